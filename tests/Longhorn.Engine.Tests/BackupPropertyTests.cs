using FsCheck;
using FsCheck.Fluent;
using Longhorn.Engine.Backups;
using Longhorn.Engine.Blocks;
using Longhorn.Engine.Format;
using Longhorn.Engine.Tests.Support;
using Longhorn.Simulator.Replicas;

namespace Longhorn.Engine.Tests;

/// <summary>
/// Random histories of writes, snapshots, backups, backup deletions and snapshot deletions on a simulated replica.
/// After every step each remaining backup restores byte for byte to its snapshot, and every block a remaining
/// backup references is in the store.
/// </summary>
public sealed class BackupPropertyTests
{
    private const int MiB = 1024 * 1024;
    private const int VolumeSize = 8 * MiB;

    private abstract record Step;
    private sealed record Write(int Offset, int Length, int Seed, bool Zeros) : Step;
    private sealed record TakeSnapshot : Step;
    private sealed record Backup(int Pick, bool Full) : Step;
    private sealed record DeleteBackup(int Pick) : Step;
    private sealed record DeleteSnapshot(int Pick) : Step;

    [Fact]
    public void Every_remaining_backup_restores_its_snapshot_after_every_step()
    {
        var write =
            from offset in Gen.Choose(0, VolumeSize / 4096 - 1)
            from length in Gen.Choose(1, 3 * MiB / 4096)
            from seed in Gen.Choose(0, 3)
            from zeros in Gen.Frequency((1, Gen.Constant(true)), (6, Gen.Constant(false)))
            select (Step)new Write(offset * 4096, Math.Min(length * 4096, VolumeSize - offset * 4096), seed, zeros);
        var step = Gen.Frequency(
            (5, write),
            (3, Gen.Constant<Step>(new TakeSnapshot())),
            (4, from pick in Gen.Choose(0, 100) from full in Gen.Frequency((1, Gen.Constant(true)), (5, Gen.Constant(false))) select (Step)new Backup(pick, full)),
            (2, Gen.Choose(0, 100).Select(pick => (Step)new DeleteBackup(pick))),
            (1, Gen.Choose(0, 100).Select(pick => (Step)new DeleteSnapshot(pick))));
        var histories = Gen.Choose(1, 14).SelectMany(n => step.ListOf(n))
            .SelectMany(h => Gen.Elements(CompressionMethod.None, CompressionMethod.Lz4).Select(m => (History: h, Method: m)));

        Prop.ForAll(Arb.From(histories), run => RunAsync(run.History, run.Method))
            .Check(Config.QuickThrowOnFailure.WithMaxTest(25));
    }

    private static byte[] Pattern(int length, int seed, bool zeros)
    {
        var data = new byte[length];
        if (!zeros) new Random(seed).NextBytes(data); // few seeds, so identical blocks recur and deduplicate
        return data;
    }

    private static async Task RunAsync(List<Step> history, CompressionMethod method)
    {
        using var bs = new TestStore();
        using var dir = new TempDirectory();
        await using var replica = Replica.Create(dir.Combine("replica"), VolumeSize);
        var live = new byte[VolumeSize];
        var snapshots = new List<(string Name, byte[] Image)>();
        var backups = new List<(string Name, byte[] Image)>();

        foreach (var s in history)
        {
            switch (s)
            {
                case Write w:
                    var data = Pattern(w.Length, w.Seed, w.Zeros);
                    await replica.WriteAsync(w.Offset, data);
                    data.CopyTo(live, w.Offset);
                    break;
                case TakeSnapshot:
                    var name = "s" + snapshots.Count + "-" + Guid.NewGuid().ToString("N")[..6];
                    await replica.CreateSnapshotAsync(name);
                    snapshots.Add((name, (byte[])live.Clone()));
                    break;
                case Backup b when snapshots.Count > 0:
                    var snapshot = snapshots[b.Pick % snapshots.Count];
                    var result = await bs.Store.CreateBackupAsync(new BackupRequest
                    {
                        VolumeName = "vol", SnapshotName = snapshot.Name, Compression = method, FullBackup = b.Full,
                    }, replica);
                    backups.Add((result.BackupName, snapshot.Image));
                    break;
                case DeleteBackup d when backups.Count > 0:
                    var doomed = backups[d.Pick % backups.Count];
                    await bs.Store.DeleteBackupAsync("vol", doomed.Name);
                    backups.Remove(doomed);
                    break;
                case DeleteSnapshot d when snapshots.Count > 0:
                    var gone = snapshots[d.Pick % snapshots.Count];
                    await replica.DeleteSnapshotAsync(gone.Name);
                    snapshots.Remove(gone);
                    break;
            }

            var referenced = new HashSet<string>();
            foreach (var (backupName, image) in backups)
            {
                Assert.Equal(image, await bs.RestoreToBytesAsync("vol", backupName));
                var cfg = BackupConfig.FromJson(File.ReadAllBytes(bs.Local(StorePaths.BackupConfig("vol", backupName))));
                referenced.UnionWith(cfg.Blocks.Select(x => x.BlockChecksum));
            }
            foreach (var id in referenced)
                Assert.True(File.Exists(bs.Local(StorePaths.Block("vol", id))), $"block {id} is referenced but missing after {s}");
        }
    }
}
