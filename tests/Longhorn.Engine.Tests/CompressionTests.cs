using System.Buffers;
using System.Diagnostics;
using System.Runtime.InteropServices;
using Longhorn.Engine.Blocks;
using Longhorn.Engine.Tests.Support;

namespace Longhorn.Engine.Tests;

public sealed class CompressionTests
{
    private static byte[] MixedBlock(int size, int seed)
    {
        var block = new byte[size];
        var random = new Random(seed);
        random.NextBytes(block.AsSpan(0, size / 4));
        for (var i = size / 4; i < size / 2; i++) block[i] = (byte)("longhorn "[i % 9]);
        return block;
    }

    [Theory]
    [InlineData(CompressionMethod.None)]
    [InlineData(CompressionMethod.Gzip)]
    [InlineData(CompressionMethod.Lz4)]
    public void Blocks_round_trip_through_each_method(CompressionMethod method)
    {
        var block = MixedBlock(2 * 1024 * 1024, 1);
        using var codec = new BlockCodec(block.Length);
        var stored = codec.Compress(block, method).ToArray();
        var back = new byte[block.Length];
        Assert.Equal(block.Length, codec.Decompress(stored, method, back));
        Assert.Equal(block, back);
        if (method != CompressionMethod.None) Assert.True(stored.Length < block.Length);
    }

    [Theory]
    [InlineData(CompressionMethod.None)]
    [InlineData(CompressionMethod.Gzip)]
    [InlineData(CompressionMethod.Lz4)]
    public void A_codec_sized_for_small_blocks_grows_its_buffer_for_a_larger_incompressible_one(CompressionMethod method)
    {
        var block = new byte[2 * 1024 * 1024];
        new Random(5).NextBytes(block);
        using var codec = new BlockCodec(4096);
        var stored = codec.Compress(block, method).ToArray();
        var back = new byte[block.Length];
        Assert.Equal(block.Length, codec.Decompress(stored, method, back));
        Assert.Equal(block, back);
    }

    [Fact]
    public void A_disposed_codec_gives_its_buffer_back_to_the_shared_pool()
    {
        var codec = new BlockCodec(64 * 1024);
        Assert.True(MemoryMarshal.TryGetArray(codec.Compress(new byte[64 * 1024], CompressionMethod.None), out var output));
        var buffer = output.Array!;
        // Empty this thread's pool slot for the buffer's size: what is returned next lands there and is what Rent hands out.
        var other = ArrayPool<byte>.Shared.Rent(buffer.Length);
        codec.Dispose();
        var next = ArrayPool<byte>.Shared.Rent(buffer.Length);
        ArrayPool<byte>.Shared.Return(other);
        ArrayPool<byte>.Shared.Return(next);
        Assert.Same(buffer, next);
    }

    [Fact]
    public void A_codec_that_outgrows_its_buffer_gives_the_old_one_back_to_the_shared_pool()
    {
        using var codec = new BlockCodec(4096);
        Assert.True(MemoryMarshal.TryGetArray(codec.Compress(new byte[4096], CompressionMethod.None), out var output));
        var small = output.Array!;
        var other = ArrayPool<byte>.Shared.Rent(small.Length);
        codec.Compress(new byte[1024 * 1024], CompressionMethod.None);
        var next = ArrayPool<byte>.Shared.Rent(small.Length);
        ArrayPool<byte>.Shared.Return(other);
        ArrayPool<byte>.Shared.Return(next);
        Assert.Same(small, next);
    }

    [Fact]
    public void A_block_size_beyond_two_gibibytes_is_refused_not_wrapped()
    {
        Assert.Throws<OverflowException>(() => new BlockCodec(1L << 32));
    }

    [Fact]
    public void Lz4_frames_with_content_checksum_have_go_writer_header_and_no_dictionary_id()
    {
        using var codec = new BlockCodec(2 * 1024 * 1024, lz4ContentChecksum: true);
        var stored = codec.Compress(new byte[2 * 1024 * 1024], CompressionMethod.Lz4).ToArray();
        // Magic, FLG 0x64 (v01, independent blocks, content checksum, no dict id), BD 0x70 (4 MiB), header checksum.
        Assert.Equal(new byte[] { 0x04, 0x22, 0x4d, 0x18, 0x64, 0x70, 0xb9 }, stored[..7]);
        Assert.Equal(0, stored[4] & 0x01);
    }

    [Fact]
    public void Lz4_frames_omit_the_content_checksum_by_default_and_decode()
    {
        var block = MixedBlock(2 * 1024 * 1024, 2);
        using var codec = new BlockCodec(block.Length);
        var stored = codec.Compress(block, CompressionMethod.Lz4).ToArray();
        Assert.Equal(0x60, stored[4]);
        var back = new byte[block.Length];
        codec.Decompress(stored, CompressionMethod.Lz4, back);
        Assert.Equal(block, back);
    }

    [Theory]
    [InlineData(CompressionMethod.Gzip, "gzip", "-dc")]
    [InlineData(CompressionMethod.Lz4, "lz4", "-dc")]
    public async Task System_tools_decode_what_we_write(CompressionMethod method, string tool, string args)
    {
        var block = MixedBlock(2 * 1024 * 1024, 3);
        using var codec = new BlockCodec(block.Length);
        using var dir = new TempDirectory();
        var file = dir.Combine("block");
        await File.WriteAllBytesAsync(file, codec.Compress(block, method).ToArray());
        var process = Process.Start(new ProcessStartInfo(tool, $"{args} {file}") { RedirectStandardOutput = true })!;
        using var output = new MemoryStream();
        await process.StandardOutput.BaseStream.CopyToAsync(output);
        await process.WaitForExitAsync();
        Assert.Equal(0, process.ExitCode);
        Assert.Equal(block, output.ToArray());
    }

    [Fact]
    public void Corrupt_lz4_frames_are_rejected_not_misread()
    {
        var block = MixedBlock(2 * 1024 * 1024, 4);
        using var codec = new BlockCodec(block.Length, lz4ContentChecksum: true);
        var stored = codec.Compress(block, CompressionMethod.Lz4).ToArray();
        var back = new byte[block.Length];
        Assert.Throws<InvalidDataException>(() => codec.Decompress(stored[..(stored.Length / 2)], CompressionMethod.Lz4, back));
        stored[^2] ^= 0xff; // the content checksum
        Assert.Throws<InvalidDataException>(() => codec.Decompress(stored, CompressionMethod.Lz4, back));
        Assert.Throws<InvalidDataException>(() => codec.Decompress("not lz4"u8, CompressionMethod.Lz4, back));
        Assert.Throws<InvalidDataException>(() => codec.Decompress("not gzip"u8, CompressionMethod.Gzip, back));
    }
}
