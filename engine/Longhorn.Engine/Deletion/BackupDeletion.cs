using Longhorn.Engine.Format;
using Longhorn.Engine.Inventory;
using Longhorn.Engine.Locks;
using Longhorn.Engine.Store;
using Microsoft.Extensions.Logging;

namespace Longhorn.Engine.Deletion;

/// <summary>What a backup deletion did: how many blocks GC removed, and why GC was skipped (null when it ran).</summary>
public sealed record BackupDeletionResult(int RemovedBlockCount, string? GarbageCollectionSkipped);

/// <summary>
/// Longhorn's DeleteDeltaBlockBackup and DeleteBackupVolume: remove the cfg, recompute LastBackupName, then delete
/// the blocks no remaining backup references, aborting GC whenever the reference set cannot be trusted.
/// </summary>
internal sealed class BackupDeletion(IBackupStoreDriver driver, BackupStoreOptions options, TimeProvider time, ILogger logger)
{
    public async Task<BackupDeletionResult> DeleteBackupAsync(string volumeName, string backupName, CancellationToken cancellationToken)
    {
        Names.Validate(volumeName, "volume");
        Names.Validate(backupName, "backup");
        // Checked before locking so a wrong volume or backup name creates nothing in the store.
        var configPath = StorePaths.BackupConfig(volumeName, backupName);
        if (!await driver.FileExistsAsync(configPath, cancellationToken).ConfigureAwait(false))
            throw new BackupStoreNotFoundException($"backup {backupName} of volume {volumeName} not found in backupstore {driver.Url}");
        var volumeConfigPath = StorePaths.VolumeConfig(volumeName);
        var hasVolumeConfig = await driver.FileExistsAsync(volumeConfigPath, cancellationToken).ConfigureAwait(false);

        var held = await BackupStoreLock.AcquireAsync(driver, volumeName, LockType.Deletion,
            options.Locks, time, logger, cancellationToken).ConfigureAwait(false);
        await using var release = held.ConfigureAwait(false);

        await driver.RemoveAsync(configPath, cancellationToken).ConfigureAwait(false);
        if (!hasVolumeConfig)
        {
            // The listing shows backups of a folder without volume.cfg, so deleting one removes it; without
            // volume.cfg there is no block count to keep, and GC stays off as for any store it cannot trust.
            var reason = $"cannot find {volumeConfigPath} in backupstore";
            logger.LogInformation("Deleted backup {Backup} of volume {Volume}; block GC skipped: {Reason}", backupName, volumeName, reason);
            return new BackupDeletionResult(0, reason);
        }

        var volume = await StoreConfigs.LoadVolumeAsync(driver, volumeName, cancellationToken).ConfigureAwait(false);
        var lastCleared = volume.LastBackupName == backupName;
        if (lastCleared) volume = volume with { LastBackupName = "", LastBackupAt = "" };

        var backupNames = await StoreConfigs.ListBackupNamesAsync(driver, volumeName, cancellationToken).ConfigureAwait(false);
        var blockIds = await BlockListing.ListBlockIdsAsync(driver, volumeName, cancellationToken).ConfigureAwait(false);

        string? skipped = null;
        var references = new Dictionary<string, int>(StringComparer.Ordinal);
        BackupConfig? latest = null;
        var latestAt = DateTimeOffset.MinValue;
        foreach (var name in backupNames)
        {
            var counted = await LoadForCountingAsync(volumeName, name, cancellationToken).ConfigureAwait(false);
            if (counted.Distrust is { } reason)
            {
                skipped = reason;
                break;
            }
            foreach (var block in counted.Backup.Blocks)
                references[block.BlockChecksum] = references.GetValueOrDefault(block.BlockChecksum) + 1;
            if (latest is null || counted.SnapshotCreatedAt > latestAt)
            {
                latest = counted.Backup;
                latestAt = counted.SnapshotCreatedAt;
            }
        }

        if (lastCleared && skipped is null && latest is not null)
            volume = volume with { LastBackupName = latest.Name, LastBackupAt = latest.SnapshotCreatedAt };
        await StoreConfigs.SaveVolumeAsync(driver, volume, cancellationToken).ConfigureAwait(false);

        if (skipped is null)
        {
            var again = await StoreConfigs.ListBackupNamesAsync(driver, volumeName, cancellationToken).ConfigureAwait(false);
            if (!again.ToHashSet(StringComparer.Ordinal).SetEquals(backupNames))
                skipped = "the backup list changed while references were counted";
        }
        if (skipped is not null)
        {
            logger.LogInformation("Deleted backup {Backup} of volume {Volume}; block GC skipped: {Reason}", backupName, volumeName, skipped);
            return new BackupDeletionResult(0, skipped);
        }

        var removed = 0;
        var failures = new List<string>();
        foreach (var id in blockIds.Where(id => !references.ContainsKey(id)))
        {
            try
            {
                await driver.RemoveAsync(StorePaths.Block(volumeName, id), cancellationToken).ConfigureAwait(false);
                removed++;
            }
            catch (BackupStoreException e)
            {
                logger.LogWarning("Failed to remove block {Block} of volume {Volume}: {Reason}", id, volumeName, e.Message);
                failures.Add(id);
            }
        }
        if (failures.Count > 0)
            throw new BackupStoreException($"failed to delete blocks of volume {volumeName}: {string.Join(", ", failures)}");

        var present = blockIds.Count(references.ContainsKey);
        var current = await StoreConfigs.LoadVolumeAsync(driver, volumeName, cancellationToken).ConfigureAwait(false);
        await StoreConfigs.SaveVolumeAsync(driver, current with { BlockCount = present }, cancellationToken).ConfigureAwait(false);
        logger.LogInformation("Deleted backup {Backup} of volume {Volume}; removed {Blocks} unreferenced blocks", backupName, volumeName, removed);
        return new BackupDeletionResult(removed, null);
    }

    /// <summary>A remaining backup as GC counts it, or why it cannot be trusted (then GC keeps every block).</summary>
    private sealed record CountedBackup(BackupConfig Backup, DateTimeOffset SnapshotCreatedAt, string? Distrust);

    /// <summary>
    /// Loads one remaining backup for reference counting. Never null, so that no path through the counting loop reads
    /// an unassigned cfg (which also keeps every line of the loop open to mutation testing).
    /// </summary>
    private async Task<CountedBackup> LoadForCountingAsync(string volumeName, string name, CancellationToken cancellationToken)
    {
        try
        {
            var backup = await StoreConfigs.LoadBackupAsync(driver, volumeName, name, cancellationToken).ConfigureAwait(false);
            if (backup.IsInProgress)
                return new CountedBackup(backup, default, $"backup {name} is still in progress");
            if (!Timestamps.TryParse(backup.SnapshotCreatedAt, out var at))
                return new CountedBackup(backup, default, $"backup {name} has an unreadable SnapshotCreatedAt {backup.SnapshotCreatedAt}");
            return new CountedBackup(backup, at, null);
        }
        catch (BackupStoreException e)
        {
            return new CountedBackup(new BackupConfig { Name = name, VolumeName = volumeName }, default, $"cannot load backup {name}: {e.Message}");
        }
    }

    /// <summary>Removes a whole backup volume under a deletion lock; a volume not in the store is a no-op.</summary>
    public async Task<bool> DeleteVolumeAsync(string volumeName, CancellationToken cancellationToken)
    {
        Names.Validate(volumeName, "volume");
        var names = await BlockListing.ListVolumeNamesAsync(driver, cancellationToken).ConfigureAwait(false);
        if (!names.Contains(volumeName)) return false;
        var held = await BackupStoreLock.AcquireAsync(driver, volumeName, LockType.Deletion,
            options.Locks, time, logger, cancellationToken).ConfigureAwait(false);
        await using (held.ConfigureAwait(false))
        {
            await driver.RemoveAsync(StorePaths.BackupsDirectory(volumeName), cancellationToken).ConfigureAwait(false);
            await driver.RemoveAsync(StorePaths.BlocksDirectory(volumeName), cancellationToken).ConfigureAwait(false);
            await driver.RemoveAsync(StorePaths.LocksDirectory(volumeName), cancellationToken).ConfigureAwait(false);
            await driver.RemoveAsync(StorePaths.Volume(volumeName), cancellationToken).ConfigureAwait(false);
        }
        logger.LogInformation("Deleted backup volume {Volume}", volumeName);
        return true;
    }
}
