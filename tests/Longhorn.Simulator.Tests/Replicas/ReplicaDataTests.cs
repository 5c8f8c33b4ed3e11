using Longhorn.Engine.Snapshots;
using Longhorn.Simulator.Replicas;
using static Longhorn.Simulator.Tests.Replicas.ReplicaAssert;

namespace Longhorn.Simulator.Tests.Replicas;

/// <summary>Reads and writes: 4 KiB sector semantics, allocation rather than content, and concurrent callers.</summary>
public sealed class ReplicaDataTests
{
    [Fact]
    public async Task A_partial_write_allocates_its_whole_sector_in_the_head_with_the_rest_from_below()
    {
        using var temp = new TempDirectory();
        await using var replica = Replica.Create(temp.Sub("replica"), 1 * MiB);
        var below = Pattern(8192, seed: 1);
        await replica.WriteAsync(0, below);
        await replica.CreateSnapshotAsync("s1");

        var patch = Pattern(100, seed: 2);
        await replica.WriteAsync(4000, patch);

        Assert.Equal([new FileExtent(0, 8192)], replica.GetAllocatedExtents(replica.HeadFileName));
        var expected = (byte[])below.Clone();
        patch.CopyTo(expected, 4000);
        var actual = new byte[8192];
        await replica.ReadAsync(0, actual);
        SameBytes(expected, actual, "sectors 0 and 1");
        await replica.CreateSnapshotAsync("s2");
        Assert.Equal([new BlockMapping(0, 4096), new BlockMapping(4096, 4096)], await CompareAsync(replica, "s2", "s1", 4096));
    }

    [Fact]
    public async Task Written_zeros_count_as_data_and_holes_do_not()
    {
        using var temp = new TempDirectory();
        await using var replica = Replica.Create(temp.Sub("replica"), 4 * MiB);
        await replica.WriteAsync(0, Pattern(4096, seed: 3));
        await replica.CreateSnapshotAsync("s1");

        await replica.WriteAsync(0, new byte[4096]);
        await replica.WriteAsync(3 * MiB, new byte[4096]);
        await replica.CreateSnapshotAsync("s2");

        Assert.Equal([new BlockMapping(0, 2 * MiB), new BlockMapping(2 * MiB, 2 * MiB)], await CompareAsync(replica, "s2", "s1", 2 * MiB));
        Assert.Equal(new byte[4 * MiB], await ReadSnapshotAsync(replica, "s2"));
    }

    [Fact]
    public async Task Concurrent_partial_writes_into_one_sector_all_land()
    {
        using var temp = new TempDirectory();
        await using var replica = Replica.Create(temp.Sub("replica"), 1 * MiB);
        var expected = Pattern(3 * 4096, seed: 4);

        await Task.WhenAll(Enumerable.Range(0, 3 * 4096 / 96).Select(piece => Task.Run(async () =>
            await replica.WriteAsync(piece * 96, expected.AsMemory(piece * 96, 96)))));

        var actual = new byte[expected.Length];
        await replica.ReadAsync(0, actual);
        SameBytes(expected, actual, "sectors 0 to 2");
    }

    [Fact]
    public async Task Snapshots_taken_during_concurrent_writes_lose_nothing()
    {
        using var temp = new TempDirectory();
        await using var replica = Replica.Create(temp.Sub("replica"), 4 * MiB);
        var expected = Pattern((int)(4 * MiB), seed: 5);
        const int Piece = 10_000;

        var writes = Enumerable.Range(0, (int)(4 * MiB / Piece) + 1).Select(i => Task.Run(async () =>
        {
            var offset = i * Piece;
            var length = (int)Math.Min(Piece, 4 * MiB - offset);
            await replica.WriteAsync(offset, expected.AsMemory(offset, length));
            var check = new byte[length];
            await replica.ReadAsync(offset, check);
            SameBytes(expected.AsMemory(offset, length), check, $"piece {i} read back");
        }));
        var snapshots = Enumerable.Range(0, 5).Select(i => Task.Run(async () => await replica.CreateSnapshotAsync($"s{i}")));
        await Task.WhenAll(writes.Concat(snapshots));

        SameBytes(expected, await ReadVolumeAsync(replica), "volume");
        Assert.Equal(6, replica.LiveChain.Count);
    }

    [Fact]
    public async Task Reads_and_writes_outside_the_volume_are_refused()
    {
        using var temp = new TempDirectory();
        await using var replica = Replica.Create(temp.Sub("replica"), 1 * MiB);

        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(async () => await replica.WriteAsync(1 * MiB - 10, new byte[11]));
        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(async () => await replica.ReadAsync(-1, new byte[1]));
        Assert.Empty(replica.GetAllocatedExtents(replica.HeadFileName));
    }

    [Fact]
    public async Task A_diff_against_a_snapshot_outside_the_chain_is_refused()
    {
        using var temp = new TempDirectory();
        await using var replica = Replica.Create(temp.Sub("replica"), 1 * MiB);
        await replica.CreateSnapshotAsync("s1");
        await replica.CreateSnapshotAsync("s2");
        await replica.RevertAsync("s1");
        await replica.CreateSnapshotAsync("s3");

        var error = await Assert.ThrowsAsync<Longhorn.Engine.SnapshotNotInChainException>(async () => await CompareAsync(replica, "s3", "s2", 4096));

        Assert.Equal("failed to find snapshot s2 in chain", error.Message);
        Assert.False(await replica.HasSnapshotAsync("nope", CancellationToken.None));
        Assert.True(await replica.HasSnapshotAsync("s2", CancellationToken.None));
        await Assert.ThrowsAsync<ReplicaException>(async () => await replica.OpenSnapshotAsync("nope", CancellationToken.None));
    }

    [Fact]
    public async Task An_open_snapshot_reader_keeps_reading_its_chain_after_a_purge_moves_files()
    {
        using var temp = new TempDirectory();
        await using var replica = Replica.Create(temp.Sub("replica"), 1 * MiB);
        var first = Pattern(4096, seed: 6);
        await replica.WriteAsync(0, first);
        await replica.CreateSnapshotAsync("s1");
        await replica.WriteAsync(8192, Pattern(4096, seed: 7));
        await replica.CreateSnapshotAsync("s2");
        await using var reader = await replica.OpenSnapshotAsync("s1", CancellationToken.None);

        await replica.DeleteSnapshotAsync("s1");

        var data = new byte[4096];
        await reader.ReadAsync(0, data, CancellationToken.None);
        SameBytes(first, data, "s1 through a reader opened before the purge");
        Assert.False(await replica.HasSnapshotAsync("s1", CancellationToken.None));
    }
}
