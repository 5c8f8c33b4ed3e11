using Longhorn.Engine.Snapshots;
using Longhorn.Simulator.Replicas;
using static Longhorn.Simulator.Tests.Replicas.ReplicaAssert;

namespace Longhorn.Simulator.Tests.Replicas;

/// <summary>Restores into replicas through the engine's <see cref="IRestoreTarget"/> (spec §7.2 and §7.3).</summary>
public sealed class ReplicaRestoreTests
{
    private const long VolumeSize = 16 * MiB;
    private const long BlockSize = 2 * MiB;

    [Fact]
    public async Task Full_restore_into_a_fresh_replica_reads_back_the_snapshot_and_reverts_onto_it()
    {
        using var temp = new TempDirectory();
        await using var source = await SourceAsync(temp.Sub("source"));
        var expected = await ReadSnapshotAsync(source, "backup-1");
        var targetDir = temp.Sub("target");
        await using var target = Replica.Create(targetDir, VolumeSize);

        var restored = await RestoreFullAsync(source, "backup-1", target);

        var snapshot = Assert.Single(target.ListSnapshots());
        Assert.Equal(DiskMetaFileName(snapshot.Name), restored);
        Assert.Equal(("", false, false, ""), (snapshot.Parent, snapshot.Removed, snapshot.UserCreated, snapshot.Created));
        Assert.True(Guid.TryParse(snapshot.Name, out _), $"'{snapshot.Name}' is not a UUID");
        FileIs(Path.Combine(targetDir, restored + ".meta"), "{\"Parent\":\"\"}\n");
        Assert.Equal("volume-head-001.img", target.HeadFileName);
        Assert.Equal(["volume-head-001.img", restored], target.LiveChain);
        Assert.False(File.Exists(Path.Combine(targetDir, "volume-head-000.img")));
        SameBytes(expected, await ReadVolumeAsync(target), "restored volume");
        Assert.Equal(
            await CompareAsync(source, "backup-1", null, BlockSize),
            await CompareAsync(target, snapshot.Name, null, BlockSize));
    }

    [Fact]
    public async Task Incremental_restore_folds_the_delta_so_a_dropped_block_reads_as_zeros()
    {
        using var temp = new TempDirectory();
        await using var source = await SourceAsync(temp.Sub("source"));
        var targetDir = temp.Sub("target");
        await using var target = Replica.Create(targetDir, VolumeSize);
        var restored = await RestoreFullAsync(source, "backup-1", target);
        var before = await ReadVolumeAsync(target);
        var changed = Pattern((int)BlockSize, seed: 9);

        await using (var restore = target.BeginIncrementalRestore("backup-1"))
        {
            Assert.Equal("volume-delta-backup-1.img", restore.FileName);
            await restore.PrepareAsync(VolumeSize, CancellationToken.None);
            await restore.WriteAsync(4 * MiB, changed, CancellationToken.None);
            await restore.FillZerosAsync(0, BlockSize, CancellationToken.None);
            await restore.CompleteAsync(CancellationToken.None);
        }

        var after = await ReadVolumeAsync(target);
        SameBytes(new byte[BlockSize], after.AsMemory(0, (int)BlockSize), "dropped block");
        SameBytes(changed, after.AsMemory((int)(4 * MiB), (int)BlockSize), "changed block");
        SameBytes(before.AsMemory((int)(8 * MiB)), after.AsMemory((int)(8 * MiB)), "untouched blocks");
        Assert.False(File.Exists(Path.Combine(targetDir, "volume-delta-backup-1.img")));
        Assert.Equal(["volume-head-001.img", restored], target.LiveChain);
        Assert.Equal(
            [new FileExtent(0, BlockSize), new FileExtent(4 * MiB, BlockSize), new FileExtent(8 * MiB, BlockSize)],
            target.GetAllocatedExtents(restored));
    }

    [Fact]
    public async Task A_full_restore_needs_a_replica_without_snapshots_and_a_matching_size()
    {
        using var temp = new TempDirectory();
        await using var used = Replica.Create(temp.Sub("used"), VolumeSize);
        await used.CreateSnapshotAsync("s1");
        await used.CreateSnapshotAsync("s2");
        Assert.Throws<ReplicaException>(() => used.BeginFullRestore());
        Assert.Throws<ReplicaException>(() => used.BeginIncrementalRestore("backup-0"));

        await using var fresh = Replica.Create(temp.Sub("fresh"), VolumeSize);
        await using var restore = fresh.BeginFullRestore();
        await Assert.ThrowsAsync<ReplicaException>(async () => await restore.PrepareAsync(VolumeSize * 2, CancellationToken.None));
        await Assert.ThrowsAsync<InvalidOperationException>(async () => await restore.WriteAsync(0, new byte[4096], CancellationToken.None));
        Assert.Throws<ReplicaException>(() => fresh.BeginFullRestore());
    }

    [Fact]
    public async Task An_abandoned_restore_leaves_no_file_and_allows_a_new_one()
    {
        using var temp = new TempDirectory();
        var dir = temp.Sub("replica");
        await using var replica = Replica.Create(dir, VolumeSize);

        await using (var abandoned = replica.BeginFullRestore())
        {
            await abandoned.PrepareAsync(VolumeSize, CancellationToken.None);
            await abandoned.WriteAsync(0, new byte[4096], CancellationToken.None);
        }

        Assert.Equal(["volume-head-000.img", "volume-head-000.img.meta", "volume.meta"], Directory.GetFiles(dir).Select(Path.GetFileName).Order(StringComparer.Ordinal));
        await using var next = replica.BeginFullRestore();
        Assert.Empty(replica.ListSnapshots());
    }

    /// <summary>A source replica whose snapshot "backup-1" has data at 0, 4 MiB (zeros, written) and 8–10 MiB.</summary>
    private static async Task<Replica> SourceAsync(string dir)
    {
        var source = Replica.Create(dir, VolumeSize);
        await source.WriteAsync(100, Pattern(5000, seed: 1));
        await source.WriteAsync(4 * MiB, new byte[4096]);
        await source.WriteAsync(8 * MiB, Pattern((int)(2 * MiB), seed: 2));
        await source.CreateSnapshotAsync("backup-1");
        return source;
    }

    /// <summary>Does what the backup engine's restore does: every block of the backup, written concurrently.</summary>
    private static async Task<string> RestoreFullAsync(Replica source, string snapshot, Replica target)
    {
        await using var reader = await source.OpenSnapshotAsync(snapshot, CancellationToken.None);
        var blocks = await reader.CompareAsync(null, BlockSize, CancellationToken.None);
        await using var restore = target.BeginFullRestore();
        await restore.PrepareAsync(source.VolumeSize, CancellationToken.None);
        await Task.WhenAll(blocks.Select(async block =>
        {
            var data = new byte[block.Size];
            await reader.ReadAsync(block.Offset, data, CancellationToken.None);
            await restore.WriteAsync(block.Offset, data, CancellationToken.None);
        }));
        var fileName = restore.FileName;
        await restore.CompleteAsync(CancellationToken.None);
        return fileName;
    }

    private static string DiskMetaFileName(string snapshot) => $"volume-snap-{snapshot}.img";
}
