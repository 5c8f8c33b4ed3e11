using Longhorn.Engine;
using Longhorn.Engine.Backups;
using Longhorn.Engine.Locks;
using Longhorn.Engine.Store;
using Longhorn.Simulator.Replicas;
using static Longhorn.Simulator.Tests.Replicas.ReplicaAssert;

namespace Longhorn.Simulator.Tests.Replicas;

/// <summary>The real backup engine driving simulated replicas: backups from one, full and DR restores into another.</summary>
public sealed class EngineRoundTripTests
{
    private const long VolumeSize = 32 * MiB;

    [Fact]
    public async Task Engine_backs_up_replica_snapshots_and_restores_them_fully_then_incrementally()
    {
        using var temp = new TempDirectory();
        var root = temp.Sub("backupstore");
        Directory.CreateDirectory(root);
        // No other writer shares this store, so the lock need not wait the usual 2 s for rivals to show up.
        var options = new BackupStoreOptions { Locks = new LockOptions { SettleTime = TimeSpan.FromMilliseconds(1) } };
        var store = new BackupStore(new BackupStoreDrivers().Create("vfs://" + root), options);
        await using var source = Replica.Create(temp.Sub("source"), VolumeSize);
        await source.WriteAsync(3 * MiB + 17, Pattern(70_000, seed: 1));
        await source.WriteAsync(20 * MiB, new byte[4096]);
        await source.CreateSnapshotAsync("s1");
        var first = await store.CreateBackupAsync(new BackupRequest { VolumeName = "vol", SnapshotName = "s1" }, source);
        await source.WriteAsync(3 * MiB + 4096, Pattern(10, seed: 2));
        await source.WriteAsync(30 * MiB, Pattern(5000, seed: 3));
        await source.CreateSnapshotAsync("s2");
        var second = await store.CreateBackupAsync(new BackupRequest { VolumeName = "vol", SnapshotName = "s2" }, source);

        Assert.Equal(2, first.NewBlockCount);
        Assert.Equal(2, second.NewBlockCount);
        await using var target = Replica.Create(temp.Sub("target"), VolumeSize);
        await using (var restore = target.BeginFullRestore())
        {
            await store.RestoreAsync("vol", first.BackupName, restore);
            await restore.CompleteAsync(CancellationToken.None);
        }

        SameBytes(await ReadSnapshotAsync(source, "s1"), await ReadVolumeAsync(target), "after the full restore of backup 1");
        await using (var restore = target.BeginIncrementalRestore(first.BackupName))
        {
            await store.RestoreIncrementallyAsync("vol", second.BackupName, first.BackupName, restore);
            await restore.CompleteAsync(CancellationToken.None);
        }

        SameBytes(await ReadSnapshotAsync(source, "s2"), await ReadVolumeAsync(target), "after the incremental restore of backup 2");
        Assert.Equal(2, target.LiveChain.Count);
    }
}
