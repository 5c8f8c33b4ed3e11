using Longhorn.Engine.Format;
using Longhorn.Engine.Inventory;
using Longhorn.Engine.Store;
using Microsoft.Extensions.Logging;

namespace Longhorn.Engine.Deletion;

/// <summary>
/// What block GC counted (spec §6.1 steps 4–5): the backups and blocks listed, the blocks the remaining backups reference
/// (a reference count's non-zero entries: GC needs only whether a block is referenced), the remaining backup with the
/// newest snapshot, and why the count cannot be trusted (null when it can).
/// </summary>
internal sealed record BlockReferenceCount(
    IReadOnlyList<string> BackupNames,
    IReadOnlyList<string> BlockIds,
    IReadOnlySet<string> References,
    BackupConfig? Latest,
    string? Distrust);

/// <summary>
/// Longhorn's block GC of one backup volume (spec §6.1 steps 4, 5, 7 and 8), the one place its abort rules live, used
/// by backup deletion and by the store check's prune: count references over every remaining backup, distrust the count
/// at the first backup that cannot be loaded, is in progress or has an unreadable SnapshotCreatedAt, distrust it again
/// when the backup list changed meanwhile, and only then remove the blocks no backup references. The caller holds the
/// volume's deletion lock.
/// </summary>
internal sealed class BlockGarbageCollection(IBackupStoreDriver driver, ILogger logger)
{
    /// <summary>Backup cfgs read at once while counting.</summary>
    private const int CfgsReadAhead = 8;

    /// <summary>Blocks removed at once.</summary>
    private const int RemovalConcurrency = 16;

    /// <summary>Steps 4–5: lists the backups and blocks and counts references, stopping at the first backup it cannot trust.</summary>
    public async Task<BlockReferenceCount> CountAsync(string volumeName, CancellationToken cancellationToken)
    {
        var backupNames = await StoreConfigs.ListBackupNamesAsync(driver, volumeName, cancellationToken).ConfigureAwait(false);
        // The blocks are listed while the cfgs are read (a listing waits on the store, parsing uses a core). Their order
        // does not matter: a block is removed only if listed and referenced by no backup counted, and a backup created
        // meanwhile is caught by step 7's second listing of the backups.
        var listing = Task.Run(() => BlockListing.ListBlockIdsAsync(driver, volumeName, cancellationToken), cancellationToken);
        try
        {
            var (references, latest, distrust) = await CountReferencesAsync(volumeName, backupNames, cancellationToken).ConfigureAwait(false);
            return new BlockReferenceCount(backupNames, await listing.ConfigureAwait(false), references, latest, distrust);
        }
        finally
        {
            // Whatever ends the count, the listing ends before the answer, so none outlives the deletion lock.
            await listing.ContinueWith(static _ => { }, CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously,
                TaskScheduler.Default).ConfigureAwait(false);
        }
    }

    private async Task<(HashSet<string> References, BackupConfig? Latest, string? Distrust)> CountReferencesAsync(
        string volumeName, IReadOnlyList<string> backupNames, CancellationToken cancellationToken)
    {
        var references = new HashSet<string>(StringComparer.Ordinal);
        BackupConfig? latest = null;
        var latestAt = DateTimeOffset.MinValue;
        // Loaded a few ahead of the count (reading and parsing cfgs is most of GC's time), counted in list order, so the
        // first backup that cannot be trusted is the same one a one-at-a-time count stops at.
        var loading = new Queue<Task<CountedBackup>>();
        var next = 0;
        void LoadAhead()
        {
            while (next < backupNames.Count && loading.Count < CfgsReadAhead)
                loading.Enqueue(LoadForCountingAsync(volumeName, backupNames[next++], cancellationToken));
        }
        LoadAhead();
        while (loading.Count > 0)
        {
            var counted = await loading.Dequeue().ConfigureAwait(false);
            LoadAhead();
            if (counted.Distrust is { } reason)
            {
                // The loads already started end before the count is answered, so none outlives the deletion lock.
                await Task.WhenAll(loading).ConfigureAwait(false);
                return (references, latest, reason);
            }
            foreach (var block in counted.Backup.Blocks) references.Add(block.BlockChecksum);
            if (latest is null || counted.SnapshotCreatedAt > latestAt)
            {
                latest = counted.Backup;
                latestAt = counted.SnapshotCreatedAt;
            }
        }
        return (references, latest, null);
    }

    /// <summary>Step 7: why GC must not run because the backup list is no longer the one counted (a backup came or went), or null.</summary>
    public async Task<string?> BackupListChangedAsync(string volumeName, BlockReferenceCount count, CancellationToken cancellationToken)
    {
        var again = await StoreConfigs.ListBackupNamesAsync(driver, volumeName, cancellationToken).ConfigureAwait(false);
        return again.ToHashSet(StringComparer.Ordinal).SetEquals(count.BackupNames)
            ? null
            : "the backup list changed while references were counted";
    }

    /// <summary>
    /// Step 8, for a trusted count only: removes every listed block no backup references, fails naming the blocks it could
    /// not remove (BlockCount then unchanged), else records in volume.cfg the number of blocks present and referenced.
    /// </summary>
    public async Task<IReadOnlyList<string>> RemoveUnreferencedAsync(string volumeName, BlockReferenceCount count, CancellationToken cancellationToken)
    {
        if (count.Distrust is { } reason)
            throw new InvalidOperationException($"block GC of volume {volumeName} must not run: {reason}");
        var removed = new List<string>();
        var failures = new List<string>();
        await Parallel.ForEachAsync(count.BlockIds.Where(id => !count.References.Contains(id)),
            new ParallelOptions { MaxDegreeOfParallelism = RemovalConcurrency, CancellationToken = cancellationToken }, async (id, ct) =>
            {
                try
                {
                    await driver.RemoveAsync(StorePaths.Block(volumeName, id), ct).ConfigureAwait(false);
                    lock (removed) removed.Add(id);
                }
                catch (BackupStoreException e)
                {
                    logger.LogWarning("Failed to remove block {Block} of volume {Volume}: {Reason}", id, volumeName, e.Message);
                    lock (failures) failures.Add(id);
                }
            }).ConfigureAwait(false);
        failures.Sort(StringComparer.Ordinal);
        if (failures.Count > 0)
            throw new BackupStoreException($"failed to delete blocks of volume {volumeName}: {string.Join(", ", failures)}");

        var present = count.BlockIds.Count(count.References.Contains);
        var current = await StoreConfigs.LoadVolumeAsync(driver, volumeName, cancellationToken).ConfigureAwait(false);
        await StoreConfigs.SaveVolumeAsync(driver, current with { BlockCount = present }, cancellationToken).ConfigureAwait(false);
        return removed;
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
}
