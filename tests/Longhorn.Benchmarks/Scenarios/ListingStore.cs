using Longhorn.Functions.Cluster;
using Longhorn.Engine.Format;
using Longhorn.Engine.Store;
using Longhorn.Functions.Resources;

namespace Longhorn.Benchmarks.Scenarios;

/// <summary>Writes a store of many small backup volumes (cfgs only), and the matching resources, for the listing scenario.</summary>
public static class ListingStore
{
    public static async Task SynthesizeAsync(string storeDirectory, int volumes, int backupsPerVolume)
    {
        var driver = new BackupStoreDrivers().Create("vfs://" + storeDirectory);
        await Parallel.ForEachAsync(Enumerable.Range(0, volumes), async (v, ct) =>
        {
            var name = $"vol-{v:d4}";
            var created = Timestamps.Format(DateTimeOffset.UnixEpoch);
            for (var b = 0; b < backupsPerVolume; b++)
            {
                var cfg = new BackupConfig
                {
                    Name = $"backup-{v:d4}{b:d4}", VolumeName = name, SnapshotName = $"snap-{b}", SnapshotCreatedAt = created,
                    CreatedTime = created, Size = 2097152, CompressionMethod = "lz4",
                    Blocks = [new BackupBlock(0, "0e40a436f8fb0e52220bfc58105122a14bb42e90ddc03e6366334c6d9e8ed50f")],
                };
                await driver.WriteAsync(StorePaths.BackupConfig(name, cfg.Name), cfg.ToJson(), ct);
            }
            var volume = new VolumeConfig
            {
                Name = name, Size = 2097152, CreatedTime = created, LastBackupName = $"backup-{v:d4}{backupsPerVolume - 1:d4}",
                BlockCount = 1, CompressionMethod = "lz4", DataEngine = "v1",
            };
            await driver.WriteAsync(StorePaths.VolumeConfig(name), volume.ToJson(), ct);
        });
    }

    /// <summary>The BackupVolume and Backup resources a synced host holds for the same store, in its SQLite resource store.</summary>
    public static async Task SynthesizeResourcesAsync(string databasePath, int volumes, int backupsPerVolume)
    {
        var resources = new SqliteResourceStore(databasePath, TimeProvider.System);
        for (var v = 0; v < volumes; v++)
        {
            var name = $"vol-{v:d4}";
            await resources.CreateAsync(new BackupVolume
            {
                Metadata = new ObjectMeta { Name = name }.WithLabel(LonghornLabels.BackupVolume, name),
                Spec = new BackupVolumeSpec { BackupTargetName = "default", VolumeName = name },
            }, CancellationToken.None);
            for (var b = 0; b < backupsPerVolume; b++)
            {
                await resources.CreateAsync(new Backup
                {
                    Metadata = new ObjectMeta { Name = $"backup-{v:d4}{b:d4}" }.WithLabel(LonghornLabels.BackupVolume, name),
                    Status = new BackupStatus { State = BackupStates.Completed, VolumeName = name, Size = 2097152, CompressionMethod = "lz4" },
                }, CancellationToken.None);
            }
        }
    }
}
