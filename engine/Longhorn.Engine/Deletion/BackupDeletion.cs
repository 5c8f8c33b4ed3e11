using Longhorn.Engine.Format;
using Longhorn.Engine.Inventory;
using Longhorn.Engine.Locks;
using Longhorn.Engine.Store;
using Microsoft.Extensions.Logging;

namespace Longhorn.Engine.Deletion;

/// <summary>What a backup deletion did: how many blocks GC removed, and why GC was skipped (null when it ran).</summary>
public sealed record BackupDeletionResult(int RemovedBlockCount, string? GarbageCollectionSkipped);

/// <summary>What a prune did: the blocks it removed, and why GC was skipped (null when it ran).</summary>
internal sealed record PruneResult(IReadOnlyList<string> RemovedBlocks, string? GarbageCollectionSkipped);

/// <summary>
/// Longhorn's DeleteDeltaBlockBackup and DeleteBackupVolume: remove the cfg, recompute LastBackupName, then delete
/// the blocks no remaining backup references, aborting GC whenever the reference set cannot be trusted.
/// </summary>
internal sealed class BackupDeletion(IBackupStoreDriver driver, BackupStoreOptions options, TimeProvider time, ILogger logger)
{
    private readonly BlockGarbageCollection _collection = new(driver, logger);

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

        var count = await _collection.CountAsync(volumeName, cancellationToken).ConfigureAwait(false);
        var skipped = count.Distrust;
        if (lastCleared && skipped is null && count.Latest is { } latest)
            volume = volume with { LastBackupName = latest.Name, LastBackupAt = latest.SnapshotCreatedAt };
        await StoreConfigs.SaveVolumeAsync(driver, volume, cancellationToken).ConfigureAwait(false);

        skipped ??= await _collection.BackupListChangedAsync(volumeName, count, cancellationToken).ConfigureAwait(false);
        if (skipped is not null)
        {
            logger.LogInformation("Deleted backup {Backup} of volume {Volume}; block GC skipped: {Reason}", backupName, volumeName, skipped);
            return new BackupDeletionResult(0, skipped);
        }

        var removed = await _collection.RemoveUnreferencedAsync(volumeName, count, cancellationToken).ConfigureAwait(false);
        logger.LogInformation("Deleted backup {Backup} of volume {Volume}; removed {Blocks} unreferenced blocks", backupName, volumeName, removed.Count);
        return new BackupDeletionResult(removed.Count, null);
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

    /// <summary>
    /// Block GC without deleting a backup (restic's prune; Longhorn has none): under a deletion lock, removes the blocks
    /// no backup references, with every abort rule of a delete's GC, and also keeps every block when volume.cfg cannot
    /// be loaded. A lock another operation holds fails at once with <see cref="BackupStoreLockException"/>.
    /// </summary>
    public async Task<PruneResult> PruneAsync(string volumeName, CancellationToken cancellationToken)
    {
        Names.Validate(volumeName, "volume");
        var held = await BackupStoreLock.AcquireAsync(driver, volumeName, LockType.Deletion,
            options.Locks, time, logger, cancellationToken).ConfigureAwait(false);
        await using var release = held.ConfigureAwait(false);
        try
        {
            await StoreConfigs.LoadVolumeAsync(driver, volumeName, cancellationToken).ConfigureAwait(false);
        }
        catch (BackupStoreException e)
        {
            return Skipped(volumeName, $"cannot load volume.cfg: {e.Message}");
        }
        var count = await _collection.CountAsync(volumeName, cancellationToken).ConfigureAwait(false);
        var skipped = count.Distrust ?? await _collection.BackupListChangedAsync(volumeName, count, cancellationToken).ConfigureAwait(false);
        if (skipped is not null) return Skipped(volumeName, skipped);
        var removed = await _collection.RemoveUnreferencedAsync(volumeName, count, cancellationToken).ConfigureAwait(false);
        logger.LogInformation("Pruned volume {Volume}: removed {Blocks} unreferenced blocks", volumeName, removed.Count);
        return new PruneResult(removed, null);
    }

    private PruneResult Skipped(string volumeName, string reason)
    {
        logger.LogInformation("Prune of volume {Volume} skipped: {Reason}", volumeName, reason);
        return new PruneResult([], reason);
    }
}
