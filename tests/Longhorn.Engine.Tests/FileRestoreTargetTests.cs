using Longhorn.Engine.Restores;

namespace Longhorn.Engine.Tests;

/// <summary>The restore-to-file target: an image of the volume's size, blocks written in place, dropped blocks zeroed.</summary>
public sealed class FileRestoreTargetTests : IDisposable
{
    private const int MiB = 1024 * 1024;
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    [Fact]
    public async Task Zero_filling_clears_exactly_the_range_asked_for_across_several_chunks()
    {
        var path = _dir.Combine("image.img");
        var ones = new byte[8 * MiB];
        Array.Fill(ones, (byte)0xff);
        using (var target = new FileRestoreTarget(path))
        {
            await target.PrepareAsync(ones.Length, CancellationToken.None);
            await target.WriteAsync(0, ones, CancellationToken.None);
            // Two and a half of the target's 1 MiB zero chunks, starting off a chunk boundary.
            await target.FillZerosAsync(MiB + 4096, 5 * MiB / 2, CancellationToken.None);
        }

        var image = await File.ReadAllBytesAsync(path);
        var expected = (byte[])ones.Clone();
        Array.Clear(expected, MiB + 4096, 5 * MiB / 2);
        Assert.Equal(expected.Length, image.Length);
        Assert.True(expected.AsSpan().SequenceEqual(image), "only the asked range is zero");
    }

    [Fact]
    public async Task Preparing_sizes_the_image_and_preparing_again_starts_it_afresh()
    {
        var path = _dir.Combine("image.img");
        using var target = new FileRestoreTarget(path);
        await target.PrepareAsync(4 * MiB, CancellationToken.None);
        await target.WriteAsync(MiB, new byte[] { 1, 2, 3 }, CancellationToken.None);
        await target.PrepareAsync(2 * MiB, CancellationToken.None);
        await target.WriteAsync(0, new byte[] { 9 }, CancellationToken.None);
        target.Dispose();

        var image = await File.ReadAllBytesAsync(path);
        Assert.Equal(2 * MiB, image.Length);
        Assert.Equal(9, image[0]);
        Assert.True(image.AsSpan(1).IndexOfAnyExcept((byte)0) < 0, "the first image's bytes are gone");
    }

    [Fact]
    public async Task Writing_before_preparing_is_refused()
    {
        using var target = new FileRestoreTarget(_dir.Combine("image.img"));
        var e = await Assert.ThrowsAsync<InvalidOperationException>(() => target.WriteAsync(0, new byte[] { 1 }, CancellationToken.None).AsTask());
        Assert.Equal("the restore target was not prepared", e.Message);
        Assert.False(File.Exists(_dir.Combine("image.img")));
    }
}
