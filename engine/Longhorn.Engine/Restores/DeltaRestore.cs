using Longhorn.Engine.Blocks;
using Longhorn.Engine.Format;
using Longhorn.Engine.Locks;
using Longhorn.Engine.Snapshots;
using Longhorn.Engine.Store;
using Microsoft.Extensions.Logging;

namespace Longhorn.Engine.Restores;

/// <summary>
/// Longhorn's restores (deltablock.go): a full restore writes every block of a backup, verified against its id;
/// an incremental (DR) restore writes only the blocks that differ from the last restored backup and zero-fills
/// the ones it dropped.
/// </summary>
internal sealed class DeltaRestore(IBackupStoreDriver driver, BackupStoreOptions options, TimeProvider time, ILogger logger)
{
    public async Task<BackupConfig> RestoreAsync(string volumeName, string backupName, IRestoreTarget target,
        IProgress<int>? progress, CancellationToken cancellationToken)
    {
        Names.Validate(volumeName, "volume");
        Names.Validate(backupName, "backup");
        var held = await BackupStoreLock.AcquireAsync(driver, volumeName, LockType.BackupOrRestore,
            options.Locks, time, logger, cancellationToken).ConfigureAwait(false);
        await using var release = held.ConfigureAwait(false);
        var (volume, backup, method) = await LoadRestorableAsync(volumeName, backupName, cancellationToken).ConfigureAwait(false);

        await target.PrepareAsync(volume.Size, cancellationToken).ConfigureAwait(false);
        await WriteBlocksAsync(volumeName, backup.Blocks.Select(b => (b, false)).ToList(), backup.BlockSize, method, target,
            progress, cancellationToken).ConfigureAwait(false);
        progress?.Report(100);
        return backup;
    }

    public async Task<BackupConfig> RestoreIncrementallyAsync(string volumeName, string backupName, string lastRestoredBackupName,
        IRestoreTarget target, IProgress<int>? progress, CancellationToken cancellationToken)
    {
        Names.Validate(volumeName, "volume");
        Names.Validate(backupName, "backup");
        Names.Validate(lastRestoredBackupName, "last restored backup");
        var held = await BackupStoreLock.AcquireAsync(driver, volumeName, LockType.BackupOrRestore,
            options.Locks, time, logger, cancellationToken).ConfigureAwait(false);
        await using var release = held.ConfigureAwait(false);
        var (volume, backup, method) = await LoadRestorableAsync(volumeName, backupName, cancellationToken).ConfigureAwait(false);
        var last = await StoreConfigs.LoadBackupAsync(driver, volumeName, lastRestoredBackupName, cancellationToken).ConfigureAwait(false);
        if (last.IsInProgress)
            throw new BackupStoreArgumentException($"backup {lastRestoredBackupName} of volume {volumeName} is still in progress");
        if (last.BlockSize != backup.BlockSize)
            throw new BackupStoreArgumentException(
                $"backup block size is changed from {last.BlockSize} to {backup.BlockSize} between backups {lastRestoredBackupName} and {backupName}");

        await target.PrepareAsync(volume.Size, cancellationToken).ConfigureAwait(false);
        var work = new List<(BackupBlock Block, bool Zero)>();
        int i = 0, j = 0;
        var lastBlocks = last.Blocks;
        var newBlocks = backup.Blocks;
        while (i < lastBlocks.Count || j < newBlocks.Count)
        {
            if (j < newBlocks.Count && (i >= lastBlocks.Count || newBlocks[j].Offset < lastBlocks[i].Offset))
                work.Add((newBlocks[j++], false));
            else if (i < lastBlocks.Count && (j >= newBlocks.Count || lastBlocks[i].Offset < newBlocks[j].Offset))
                work.Add((lastBlocks[i++], true));
            else
            {
                if (lastBlocks[i].BlockChecksum != newBlocks[j].BlockChecksum) work.Add((newBlocks[j], false));
                i++;
                j++;
            }
        }
        await WriteBlocksAsync(volumeName, work, backup.BlockSize, method, target, progress, cancellationToken).ConfigureAwait(false);
        progress?.Report(100);
        return backup;
    }

    private async Task<(VolumeConfig Volume, BackupConfig Backup, CompressionMethod Method)> LoadRestorableAsync(
        string volumeName, string backupName, CancellationToken cancellationToken)
    {
        var volume = await StoreConfigs.LoadVolumeAsync(driver, volumeName, cancellationToken).ConfigureAwait(false);
        if (volume.Size <= 0)
            throw new BackupStoreCorruptException($"{StorePaths.VolumeConfig(volumeName)}: volume size is {volume.Size}");
        var backup = await StoreConfigs.LoadBackupAsync(driver, volumeName, backupName, cancellationToken).ConfigureAwait(false);
        if (backup.IsInProgress)
            throw new BackupStoreArgumentException($"backup {backupName} of volume {volumeName} is still in progress");
        var path = StorePaths.BackupConfig(volumeName, backupName);
        var method = CompressionMethods.TryParse(backup.CompressionMethod, out var m)
            ? m
            : throw new BackupStoreCorruptException($"{path}: unknown compression method {backup.CompressionMethod}");
        long blockSize;
        try
        {
            blockSize = backup.BlockSize;
        }
        catch (BackupStoreArgumentException e)
        {
            throw new BackupStoreCorruptException($"{path}: {e.Message}");
        }
        if (blockSize <= 0 || blockSize > int.MaxValue || volume.Size % blockSize != 0)
            throw new BackupStoreCorruptException(
                $"{path}: block size {blockSize} does not divide the volume size {volume.Size} of volume {volumeName}");
        if (backup.Blocks.Any(b => b.Offset % blockSize != 0 || b.Offset + blockSize > volume.Size))
            throw new BackupStoreCorruptException($"{path}: a block offset is not aligned to {blockSize} or lies past the volume size {volume.Size}");
        return (volume, backup, method);
    }

    private async Task WriteBlocksAsync(string volumeName, IReadOnlyList<(BackupBlock Block, bool Zero)> work, long blockSize,
        CompressionMethod method, IRestoreTarget target, IProgress<int>? progress, CancellationToken cancellationToken)
    {
        long processed = 0;
        try
        {
            await BlockPipeline.RunAsync(work, options.RestoreConcurrency,
                () => new BlockWorker(blockSize, options.Lz4ContentChecksum),
                async (worker, item, ct) =>
                {
                    if (item.Zero)
                        await target.FillZerosAsync(item.Block.Offset, blockSize, ct).ConfigureAwait(false);
                    else
                    {
                        await ReadVerifiedWithRetryAsync(volumeName, item.Block.BlockChecksum, method, worker.Codec, worker.Block, ct)
                            .ConfigureAwait(false);
                        await target.WriteAsync(item.Block.Offset, worker.Block, ct).ConfigureAwait(false);
                    }
                    var done = Interlocked.Increment(ref processed);
                    progress?.Report((int)((double)done / work.Count * 95));
                }, cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException e) when (cancellationToken.IsCancellationRequested)
        {
            throw new OperationCanceledException("backup restoration is cancelled", e, cancellationToken);
        }
    }

    /// <summary>Reads, decompresses and verifies one block, retrying with Longhorn's backoff unless the checksum is wrong.</summary>
    private async Task ReadVerifiedWithRetryAsync(string volumeName, string blockId, CompressionMethod method, BlockCodec codec,
        Memory<byte> destination, CancellationToken cancellationToken)
    {
        var path = StorePaths.Block(volumeName, blockId);
        for (var attempt = 0; ; attempt++)
        {
            try
            {
                await BlockReader.ReadVerifiedAsync(driver, path, blockId, method, codec, destination, cancellationToken).ConfigureAwait(false);
                return;
            }
            catch (Exception e) when (e is not BackupStoreCorruptException { IsChecksumMismatch: true }
                                      && e is not OperationCanceledException
                                      && attempt < options.RestoreRetryDelays.Count)
            {
                var delay = options.RestoreRetryDelays[attempt];
                logger.LogWarning("Reading block {Block} of volume {Volume} failed (attempt {Attempt}), retrying in {Delay}: {Reason}",
                    path, volumeName, attempt + 1, delay, e.Message);
                await Task.Delay(delay, time, cancellationToken).ConfigureAwait(false);
            }
        }
    }
}
