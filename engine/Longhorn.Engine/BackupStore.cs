using Longhorn.Engine.Backups;
using Longhorn.Engine.Checks;
using Longhorn.Engine.Deletion;
using Longhorn.Engine.Format;
using Longhorn.Engine.Inventory;
using Longhorn.Engine.Restores;
using Longhorn.Engine.Snapshots;
using Longhorn.Engine.Store;
using Longhorn.Engine.SystemBackups;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Longhorn.Engine;

/// <summary>
/// One backup target's store in Longhorn's format: back up snapshots, restore them, delete backups with block GC,
/// and list and inspect what is there. Knows nothing of HTTP, timers or resources.
/// </summary>
public sealed class BackupStore
{
    private readonly DeltaBackup _backup;
    private readonly DeltaRestore _restore;
    private readonly BackupDeletion _deletion;
    private readonly BackupInventory _inventory;
    private readonly StoreCheck _check;

    public BackupStore(IBackupStoreDriver driver, BackupStoreOptions? options = null, TimeProvider? time = null, ILogger? logger = null)
    {
        Driver = driver;
        options ??= new BackupStoreOptions();
        time ??= TimeProvider.System;
        logger ??= NullLogger.Instance;
        _backup = new DeltaBackup(driver, options, time, logger);
        _restore = new DeltaRestore(driver, options, time, logger);
        _deletion = new BackupDeletion(driver, options, time, logger);
        _inventory = new BackupInventory(driver);
        _check = new StoreCheck(driver, options, _deletion, time, logger);
        SystemBackups = new SystemBackupStore(driver);
    }

    public IBackupStoreDriver Driver { get; }

    /// <summary>The store's system backups (<c>backupstore/system-backups/</c>).</summary>
    public SystemBackupStore SystemBackups { get; }

    /// <summary>Backs up a snapshot: incremental against the volume's last backup unless a fallback or full mode applies.</summary>
    public Task<BackupResult> CreateBackupAsync(BackupRequest request, ISnapshotSource source, IProgress<int>? progress = null,
        CancellationToken cancellationToken = default) =>
        _backup.CreateAsync(request, source, progress, cancellationToken);

    /// <summary>Restores a backup in full into the target, every block verified against its id.</summary>
    public Task<BackupConfig> RestoreAsync(string volumeName, string backupName, IRestoreTarget target,
        IProgress<int>? progress = null, CancellationToken cancellationToken = default) =>
        _restore.RestoreAsync(volumeName, backupName, target, progress, cancellationToken);

    /// <summary>Writes into a fresh target only what differs between the last restored backup and a newer one.</summary>
    public Task<BackupConfig> RestoreIncrementallyAsync(string volumeName, string backupName, string lastRestoredBackupName,
        IRestoreTarget target, IProgress<int>? progress = null, CancellationToken cancellationToken = default) =>
        _restore.RestoreIncrementallyAsync(volumeName, backupName, lastRestoredBackupName, target, progress, cancellationToken);

    /// <summary>Deletes one backup and the blocks no other backup uses.</summary>
    public Task<BackupDeletionResult> DeleteBackupAsync(string volumeName, string backupName, CancellationToken cancellationToken = default) =>
        _deletion.DeleteBackupAsync(volumeName, backupName, cancellationToken);

    /// <summary>Deletes a whole backup volume; false when it was not in the store.</summary>
    public Task<bool> DeleteVolumeAsync(string volumeName, CancellationToken cancellationToken = default) =>
        _deletion.DeleteVolumeAsync(volumeName, cancellationToken);

    /// <summary>
    /// Checks the store, or one backup volume, as restic's <c>check</c> does (with <see cref="StoreCheckRequest.ReadData"/>
    /// its <c>--read-data</c>) and, with <see cref="StoreCheckRequest.Prune"/>, removes orphan blocks under block GC's rules.
    /// </summary>
    public Task<StoreCheckReport> CheckAsync(StoreCheckRequest? request = null, CancellationToken cancellationToken = default) =>
        _check.RunAsync(request ?? new StoreCheckRequest(), cancellationToken);

    public Task<IReadOnlyList<string>> ListVolumeNamesAsync(CancellationToken cancellationToken = default) =>
        _inventory.ListVolumeNamesAsync(cancellationToken);

    public Task<IReadOnlyList<VolumeListing>> ListAsync(string? volumeName = null, bool volumeOnly = false,
        CancellationToken cancellationToken = default) =>
        _inventory.ListAsync(volumeName, volumeOnly, cancellationToken);

    public Task<IReadOnlyList<string>> ListBackupNamesAsync(string volumeName, CancellationToken cancellationToken = default) =>
        _inventory.ListBackupNamesAsync(volumeName, cancellationToken);

    public Task<VolumeInfo> InspectVolumeAsync(string volumeName, CancellationToken cancellationToken = default) =>
        _inventory.InspectVolumeAsync(volumeName, cancellationToken);

    public Task<BackupInfo> InspectBackupAsync(string volumeName, string backupName, CancellationToken cancellationToken = default) =>
        _inventory.InspectBackupAsync(volumeName, backupName, cancellationToken);

    /// <summary>
    /// Removes a file the <see cref="IStoreFileJournal"/> recorded for this writer and never saw gone (a lock, a temp
    /// file, the placeholder cfg of a backup it did not finish); a backup cfg that is complete is kept, since the writer
    /// may have died between finishing the backup and forgetting the record. True when something was removed.
    /// </summary>
    public async Task<bool> RemoveLeftoverAsync(string path, CancellationToken cancellationToken = default)
    {
        if (!await Driver.FileExistsAsync(path, cancellationToken).ConfigureAwait(false)) return false;
        if (path.EndsWith(StorePaths.ConfigSuffix, StringComparison.Ordinal) && path.Contains("/backups/", StringComparison.Ordinal))
        {
            try
            {
                var cfg = await StoreConfigs.ReadAllAsync(Driver, path, cancellationToken).ConfigureAwait(false);
                if (!BackupConfig.FromJson(cfg).IsInProgress) return false;
            }
            catch (FormatException)
            {
                // A cfg this writer began and nobody can read: a torn placeholder, removed like one.
            }
        }
        await Driver.RemoveAsync(path, cancellationToken).ConfigureAwait(false);
        return true;
    }

    public Task<DateTimeOffset> GetModificationTimeAsync(string volumeName, string? backupName = null,
        CancellationToken cancellationToken = default) =>
        _inventory.GetModificationTimeAsync(volumeName, backupName, cancellationToken);

    /// <summary>The backup URL Longhorn uses for this store (<c>target?backup=..&amp;volume=..</c>).</summary>
    public string BackupUrlFor(string volumeName, string? backupName = null) => BackupUrl.Encode(Driver.Url, volumeName, backupName);
}
