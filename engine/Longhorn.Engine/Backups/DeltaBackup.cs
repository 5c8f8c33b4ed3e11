using System.Collections.Concurrent;
using Longhorn.Engine.Blocks;
using Longhorn.Engine.Format;
using Longhorn.Engine.Inventory;
using Longhorn.Engine.Locks;
using Longhorn.Engine.Snapshots;
using Longhorn.Engine.Store;
using Microsoft.Extensions.Logging;

namespace Longhorn.Engine.Backups;

/// <summary>
/// Longhorn's delta-block backup (deltablock.go): choose the base, diff the snapshot, upload the changed blocks
/// through a bounded channel and N workers, then write the merged block map and update volume.cfg.
/// </summary>
internal sealed class DeltaBackup(IBackupStoreDriver driver, BackupStoreOptions options, TimeProvider time, ILogger logger)
{
    private const int SnapshotProgressShare = 95;

    public async Task<BackupResult> CreateAsync(BackupRequest request, ISnapshotSource source, IProgress<int>? progress,
        CancellationToken cancellationToken)
    {
        Names.Validate(request.VolumeName, "volume");
        var backupName = request.BackupName ?? Names.Generate("backup");
        Names.Validate(backupName, "backup");
        if (string.IsNullOrEmpty(request.SnapshotName))
            throw new BackupStoreArgumentException($"invalid snapshot name for backup {backupName}: it is empty");
        BlockSizes.ValidateForBackup(request.BlockSize, source.VolumeSize, request.VolumeName);
        var requestedAt = Timestamps.Format(time.GetUtcNow());

        // The lock settles (spec §6.3: 2 s after writing it) while the blocks are read, hashed, compressed and
        // uploaded; nothing this backup writes is referenced before the lock is confirmed (see Settling).
        var held = await BackupStoreLock.WriteNewAsync(driver, request.VolumeName, LockType.BackupOrRestore, options.Locks, logger,
            cancellationToken).ConfigureAwait(false);
        await using var release = held.ConfigureAwait(false);
        using var abandon = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);

        async Task ConfirmOrAbandonAsync()
        {
            try
            {
                await held.ConfirmAsync(options.Locks, time, abandon.Token).ConfigureAwait(false);
            }
            catch
            {
                // A lost lock stops the work done meanwhile at once.
                await abandon.CancelAsync().ConfigureAwait(false);
                throw;
            }
        }

        var settling = new Settling(ConfirmOrAbandonAsync());
        try
        {
            return await BackUpAsync(request, backupName, requestedAt, source, settling, progress, abandon).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            // The work was abandoned because the lock was lost: the lock's failure is the backup's.
            await settling.Locked.ConfigureAwait(false);
            throw;
        }
        finally
        {
            await abandon.CancelAsync().ConfigureAwait(false);
            await settling.Locked.ContinueWith(static _ => { }, CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously,
                TaskScheduler.Default).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// The lock while it settles. The safety argument for working meanwhile: blocks are content-addressed and no cfg
    /// this backup writes (placeholder, backup, volume) is written before the lock is confirmed, so a lost lock leaves
    /// at most unreferenced blocks, as a failed backup always could. What work before confirmation cannot trust is its
    /// own view of the store: a deleter whose lock has priority (older, or acquired) may garbage-collect during the
    /// settle, after this backup found a block present (and skipped it) or uploaded one that nothing referenced yet, and
    /// be gone by the time this lock is confirmed. So every block decided before <see cref="IsConfirmed"/> is
    /// provisional and is confirmed present once the lock is held, when no deleter can run; the base backup's map
    /// counts only if its cfg is still there then (GC never removes a block a remaining cfg references). A
    /// provisional block found missing fails the backup, as a lost lock would, before any cfg references it.
    /// </summary>
    private sealed class Settling(Task locked)
    {
        public Task Locked { get; } = locked;

        public bool IsConfirmed => Locked.IsCompletedSuccessfully;
    }

    private async Task<BackupResult> BackUpAsync(BackupRequest request, string backupName, string requestedAt, ISnapshotSource source,
        Settling settling, IProgress<int>? progress, CancellationTokenSource abandon)
    {
        var cancellationToken = abandon.Token;
        var configPath = StorePaths.BackupConfig(request.VolumeName, backupName);
        if (await driver.FileExistsAsync(configPath, cancellationToken).ConfigureAwait(false))
            throw new BackupStoreArgumentException($"backup {backupName} of volume {request.VolumeName} already exists in backupstore {driver.Url}");
        if (!await source.HasSnapshotAsync(request.SnapshotName, cancellationToken).ConfigureAwait(false))
            throw new BackupStoreNotFoundException($"snapshot {request.SnapshotName} of volume {request.VolumeName} not found");

        var volumePath = StorePaths.VolumeConfig(request.VolumeName);
        var stored = await driver.FileExistsAsync(volumePath, cancellationToken).ConfigureAwait(false)
            ? await StoreConfigs.LoadVolumeAsync(driver, request.VolumeName, cancellationToken).ConfigureAwait(false)
            : null;
        var method = stored is null ? request.Compression : CompressionMethods.Parse(stored.CompressionMethod, volumePath);

        var snapshot = await source.OpenSnapshotAsync(request.SnapshotName, cancellationToken).ConfigureAwait(false);
        await using var close = snapshot.ConfigureAwait(false);
        var baseBackup = stored is null ? null : await ChooseBaseAsync(request, stored, source, cancellationToken).ConfigureAwait(false);
        IReadOnlyList<BlockMapping> mappings;
        try
        {
            mappings = await snapshot.CompareAsync(baseBackup?.SnapshotName is { Length: > 0 } s ? s : null,
                request.BlockSize, cancellationToken).ConfigureAwait(false);
        }
        catch (SnapshotNotInChainException e)
        {
            // Go fails here (backing up an older snapshot after a newer one); a full backup is always correct.
            logger.LogInformation("Backing up snapshot {Snapshot} of volume {Volume} in full: {Reason}",
                request.SnapshotName, request.VolumeName, e.Message);
            baseBackup = null;
            mappings = await snapshot.CompareAsync(null, request.BlockSize, cancellationToken).ConfigureAwait(false);
        }
        foreach (var mapping in mappings)
        {
            if (mapping.Size != request.BlockSize || mapping.Offset % request.BlockSize != 0)
                throw new BackupStoreException($"snapshot {request.SnapshotName} diff returned a mapping at {mapping.Offset} " +
                                               $"of {mapping.Size} bytes, not a block of {request.BlockSize}");
        }

        var placeholder = new BackupConfig { Name = backupName, VolumeName = request.VolumeName, CompressionMethod = method.ToWire() };
        var written = false;

        async Task PrepareAsync()
        {
            await settling.Locked.ConfigureAwait(false);
            if (baseBackup is not null &&
                !await driver.FileExistsAsync(StorePaths.BackupConfig(request.VolumeName, baseBackup.Name), cancellationToken).ConfigureAwait(false))
                throw new BackupStoreException($"backup {baseBackup.Name}, the base of backup {backupName} of volume {request.VolumeName}, " +
                                               "was deleted while the lock settled; try the backup again");
            await AddVolumeIfMissingAsync(request, source.VolumeSize, cancellationToken).ConfigureAwait(false);
            var volume = await StoreConfigs.LoadVolumeAsync(driver, request.VolumeName, cancellationToken).ConfigureAwait(false);
            if (CompressionMethods.Parse(volume.CompressionMethod, volumePath) != method)
                throw new BackupStoreException($"volume {request.VolumeName} changed its compression method while the lock of backup " +
                                               $"{backupName} settled; try the backup again");
            written = true;
            // The placeholder is this writer's until the backup completes or fails: a writer killed in between finds it
            // in its journal at its next start (RemoveLeftoverAsync), as it finds its lock.
            options.Locks.FileJournal?.Writing(driver.Url, configPath);
            await StoreConfigs.SaveBackupAsync(driver, request.VolumeName, placeholder, cancellationToken).ConfigureAwait(false);
        }

        var ready = PrepareAsync();
        try
        {
            var presence = await BlockPresence.CreateAsync(driver, request.VolumeName, stored?.BlockCount ?? 0, mappings.Count,
                cancellationToken).ConfigureAwait(false);
            var known = baseBackup?.Blocks.Select(b => b.BlockChecksum).ToHashSet(StringComparer.Ordinal) ?? [];
            var upload = await UploadBlocksAsync(request, snapshot, mappings, method, presence, known, settling, progress,
                cancellationToken).ConfigureAwait(false);
            await ready.ConfigureAwait(false);
            var missing = await presence.FindMissingAsync(upload.Provisional, options.BackupConcurrency, cancellationToken).ConfigureAwait(false);
            if (missing.Count > 0)
                throw new BackupStoreException($"{missing.Count} blocks of backup {backupName} of volume {request.VolumeName} that were " +
                                               $"present or uploaded while its lock settled were removed by a deletion meanwhile " +
                                               $"(block {missing[0]} first); the backup failed before referencing them, try it again");

            var blocks = upload.Blocks.OrderBy(b => b.Offset).ToList();
            if (baseBackup is not null) blocks = Merge(baseBackup.Blocks, blocks);

            var parameters = new Dictionary<string, string>(StringComparer.Ordinal)
            {
                [BackupConfig.BlockSizeParameter] = request.BlockSize.ToString(System.Globalization.CultureInfo.InvariantCulture),
                [BackupConfig.BackupModeParameter] = request.FullBackup ? "full" : "incremental",
            };
            var final = placeholder with
            {
                SnapshotName = request.SnapshotName,
                SnapshotCreatedAt = requestedAt,
                CreatedTime = Timestamps.Format(time.GetUtcNow()),
                Size = blocks.Count * request.BlockSize,
                Labels = request.Labels,
                Parameters = parameters,
                IsIncremental = baseBackup is not null,
                NewlyUploadedDataSize = upload.NewBytes,
                ReUploadedDataSize = upload.ReUploadedBytes,
                HasProcessingBlocks = baseBackup is null,
                Blocks = blocks,
            };
            await StoreConfigs.SaveBackupAsync(driver, request.VolumeName, final, cancellationToken).ConfigureAwait(false);

            var current = await StoreConfigs.LoadVolumeAsync(driver, request.VolumeName, cancellationToken).ConfigureAwait(false);
            var updated = current with
            {
                LastBackupName = backupName,
                LastBackupAt = final.SnapshotCreatedAt,
                BlockCount = current.BlockCount + upload.NewBlockCount,
                Size = source.VolumeSize,
                Labels = request.Labels,
                BackingImageName = request.BackingImageName,
                BackingImageChecksum = request.BackingImageChecksum,
                StorageClassName = request.StorageClassName,
            };
            await StoreConfigs.SaveVolumeAsync(driver, updated, cancellationToken).ConfigureAwait(false);

            options.Locks.FileJournal?.Gone(driver.Url, configPath);
            progress?.Report(100);
            logger.LogInformation("Backup {Backup} of volume {Volume} completed: {Blocks} blocks, {NewBlocks} new, {NewBytes} bytes uploaded",
                backupName, request.VolumeName, blocks.Count, upload.NewBlockCount, upload.NewBytes);
            return new BackupResult(backupName, BackupUrl.Encode(driver.Url, request.VolumeName, backupName), final, upload.NewBlockCount,
                BackupInventory.Describe(driver.Url, request.VolumeName, backupName, final, updated), BackupInventory.Describe(updated));
        }
        catch (Exception e)
        {
            // The placeholder writer may still be running: stop it and wait, so nothing it writes outlives the failure.
            await abandon.CancelAsync().ConfigureAwait(false);
            await ready.ContinueWith(static _ => { }, CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously,
                TaskScheduler.Default).ConfigureAwait(false);
            if (written)
            {
                // Go leaves the placeholder behind; removing it keeps later deletions' GC from aborting on it, and
                // removes any cfg this run wrote so no failed backup ever looks complete.
                logger.LogWarning("Backup {Backup} of volume {Volume} failed: {Reason}", backupName, request.VolumeName, e.Message);
                if (await RemoveQuietlyAsync(configPath).ConfigureAwait(false)) options.Locks.FileJournal?.Gone(driver.Url, configPath);
            }
            throw;
        }
    }

    private async Task AddVolumeIfMissingAsync(BackupRequest request, long volumeSize, CancellationToken cancellationToken)
    {
        if (await driver.FileExistsAsync(StorePaths.VolumeConfig(request.VolumeName), cancellationToken).ConfigureAwait(false))
            return;
        var volume = new VolumeConfig
        {
            Name = request.VolumeName,
            Size = volumeSize,
            Labels = request.Labels,
            CreatedTime = Timestamps.Format(time.GetUtcNow()),
            BackingImageName = request.BackingImageName,
            BackingImageChecksum = request.BackingImageChecksum,
            CompressionMethod = request.Compression.ToWire(),
            StorageClassName = request.StorageClassName,
            // The v1 engine leaves DataEngine empty on creation; loadVolume defaults it to v1 and the backup saves that.
            DataEngine = "",
        };
        await StoreConfigs.SaveVolumeAsync(driver, volume, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>The last backup as base, unless full mode or any of Go's fallbacks to a full backup applies.</summary>
    private async Task<BackupConfig?> ChooseBaseAsync(BackupRequest request, VolumeConfig volume, ISnapshotSource source,
        CancellationToken cancellationToken)
    {
        if (request.FullBackup || volume.LastBackupName.Length == 0) return null;
        BackupConfig last;
        try
        {
            last = await StoreConfigs.LoadBackupAsync(driver, volume.Name, volume.LastBackupName, cancellationToken).ConfigureAwait(false);
        }
        catch (BackupStoreException e)
        {
            logger.LogWarning("Cannot load last backup {Backup} of volume {Volume}, doing a full backup: {Reason}",
                volume.LastBackupName, volume.Name, e.Message);
            return null;
        }
        if (last.IsInProgress || last.SnapshotName == request.SnapshotName) return null;
        if (last.SnapshotName.Length > 0 && !await source.HasSnapshotAsync(last.SnapshotName, cancellationToken).ConfigureAwait(false))
            return null;
        // Go merges without checking; a base with another block size would corrupt the map, so go full instead.
        if (last.BlockSize != request.BlockSize) return null;
        return last;
    }

    /// <param name="Provisional">Blocks decided (found present or uploaded) before the lock was confirmed, outside the base's map.</param>
    private sealed record UploadResult(List<BackupBlock> Blocks, long NewBlockCount, long NewBytes, long ReUploadedBytes,
        IReadOnlyCollection<string> Provisional);

    private async Task<UploadResult> UploadBlocksAsync(BackupRequest request, ISnapshotReader snapshot,
        IReadOnlyList<BlockMapping> mappings, CompressionMethod method, BlockPresence presence, IReadOnlySet<string> inBase,
        Settling settling, IProgress<int>? progress, CancellationToken cancellationToken)
    {
        var blocks = new List<BackupBlock>(mappings.Count);
        var seen = new ConcurrentDictionary<string, bool>(StringComparer.Ordinal);
        var provisional = new ConcurrentDictionary<string, bool>(StringComparer.Ordinal);
        long newBlocks = 0, newBytes = 0, reUploadedBytes = 0, processed = 0;
        var progressGate = new object();
        var reported = 0;

        await BlockPipeline.RunAsync(mappings, options.BackupConcurrency,
            () => new BlockWorker(request.BlockSize, options.Lz4ContentChecksum),
            async (worker, mapping, ct) =>
            {
                var data = worker.Block;
                await snapshot.ReadAsync(mapping.Offset, data, ct).ConfigureAwait(false);
                var id = BlockId.Compute(data.Span);
                // In-run dedup: the first worker to see an id uploads it; every offset is recorded.
                if (seen.TryAdd(id, true))
                {
                    // Read before asking the store: a decision counts as confirmed only if the lock was held first.
                    var confirmed = settling.IsConfirmed;
                    var inBaseMap = inBase.Contains(id);
                    var exists = inBaseMap || await presence.ExistsAsync(id, ct).ConfigureAwait(false);
                    if (!exists || request.FullBackup)
                    {
                        var stored = worker.Codec.Compress(data.Span, method);
                        await driver.WriteAsync(StorePaths.Block(request.VolumeName, id), stored, ct).ConfigureAwait(false);
                        if (exists) Interlocked.Add(ref reUploadedBytes, stored.Length);
                        else
                        {
                            Interlocked.Increment(ref newBlocks);
                            Interlocked.Add(ref newBytes, stored.Length);
                        }
                    }
                    if (!confirmed && !inBaseMap) provisional.TryAdd(id, true);
                }
                lock (blocks) blocks.Add(new BackupBlock(mapping.Offset, id));
                var done = Interlocked.Increment(ref processed);
                var percent = (int)((double)done / mappings.Count * SnapshotProgressShare);
                // Workers finish out of order: only a rise is reported, so a reader never sees progress go back.
                lock (progressGate)
                {
                    if (percent <= reported) return;
                    reported = percent;
                    progress?.Report(percent);
                }
            }, cancellationToken).ConfigureAwait(false);
        return new UploadResult(blocks, newBlocks, newBytes, reUploadedBytes, provisional.Keys.ToList());
    }

    /// <summary>Go's mergeSnapshotMap: both sorted by offset; on equal offsets the delta wins; nothing is dropped.</summary>
    internal static List<BackupBlock> Merge(IReadOnlyList<BackupBlock> baseBlocks, IReadOnlyList<BackupBlock> delta)
    {
        var merged = new List<BackupBlock>(baseBlocks.Count + delta.Count);
        int i = 0, j = 0;
        while (i < baseBlocks.Count && j < delta.Count)
        {
            if (baseBlocks[i].Offset == delta[j].Offset) { merged.Add(delta[j++]); i++; }
            else if (baseBlocks[i].Offset < delta[j].Offset) merged.Add(baseBlocks[i++]);
            else merged.Add(delta[j++]);
        }
        while (i < baseBlocks.Count) merged.Add(baseBlocks[i++]);
        while (j < delta.Count) merged.Add(delta[j++]);
        return merged;
    }

    private async Task<bool> RemoveQuietlyAsync(string path)
    {
        try
        {
            await driver.RemoveAsync(path, CancellationToken.None).ConfigureAwait(false);
            return true;
        }
        catch (Exception e) when (e is BackupStoreException or IOException)
        {
            logger.LogWarning("Could not remove {Path} of a failed backup: {Reason}", path, e.Message);
            return false;
        }
    }
}
