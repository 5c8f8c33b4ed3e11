using Longhorn.Engine.Blocks;
using Longhorn.Engine.Deletion;
using Longhorn.Engine.Format;
using Longhorn.Engine.Inventory;
using Longhorn.Engine.Locks;
using Longhorn.Engine.Store;
using Microsoft.Extensions.Logging;

namespace Longhorn.Engine.Checks;

/// <summary>
/// restic's <c>check</c> and <c>prune</c> for a Longhorn store (Longhorn has neither). Per backup volume: volume.cfg and
/// every backup cfg parsed, every block a completed backup references present (with ReadData also read, decoded and
/// hashed), orphan blocks, in-progress backups, stale locks and temp files listed. The check only reads and takes no
/// lock; a prune goes through <see cref="BackupDeletion.PruneAsync"/>, so it removes blocks under a deletion lock and
/// with every abort rule of a delete's GC, counting references again itself.
/// </summary>
internal sealed class StoreCheck(IBackupStoreDriver driver, BackupStoreOptions options, BackupDeletion deletion, TimeProvider time, ILogger logger)
{
    public async Task<StoreCheckReport> RunAsync(StoreCheckRequest request, CancellationToken cancellationToken)
    {
        var volumes = await VolumesAsync(request.VolumeName, cancellationToken).ConfigureAwait(false);
        var findings = new Findings();
        foreach (var volume in volumes)
        {
            var scan = await ScanAsync(volume, findings, cancellationToken).ConfigureAwait(false);
            if (request.ReadData) await ReadBlocksAsync(volume, scan, findings, cancellationToken).ConfigureAwait(false);
            foreach (var (id, backups) in scan.References.Where(r => !scan.Present.Contains(r.Key)))
                findings.MissingBlocks.Add(new MissingBlock(volume, id, StorePaths.Block(volume, id), backups));
            var orphans = scan.Present.Where(id => !scan.References.ContainsKey(id) && !scan.Pending.Contains(id)).ToList();
            IReadOnlySet<string> removed = new HashSet<string>();
            if (request.Prune && orphans.Count > 0) removed = await PruneAsync(volume, findings, cancellationToken).ConfigureAwait(false);
            findings.OrphanBlocks.AddRange(orphans.Select(id => new OrphanBlock(volume, id, StorePaths.Block(volume, id), removed.Contains(id))));
        }

        var report = new StoreCheckReport
        {
            BackupTargetUrl = driver.Url,
            VolumeName = request.VolumeName,
            ReadData = request.ReadData,
            Prune = request.Prune,
            VolumesChecked = volumes.Count,
            BackupsChecked = findings.BackupsChecked,
            BlocksChecked = findings.BlocksChecked,
            BlocksRead = findings.BlocksRead,
            UnreadableConfigs = Sorted(findings.UnreadableConfigs, c => c.Path),
            MissingBlocks = Sorted(findings.MissingBlocks, b => b.Path),
            CorruptBlocks = Sorted(findings.CorruptBlocks, b => b.Path),
            OrphanBlocks = Sorted(findings.OrphanBlocks, b => b.Path),
            InProgressBackups = Sorted(findings.InProgressBackups, b => b.Path),
            StaleLocks = Sorted(findings.StaleLocks, l => l.Path),
            TempFiles = Sorted(findings.TempFiles, f => f.Path),
            Pruned = findings.Pruned,
        };
        logger.Log(report.IsConsistent ? LogLevel.Information : LogLevel.Warning,
            "Checked backupstore {Target}: {Volumes} volumes, {Backups} backups, {Blocks} blocks ({BlocksRead} read); " +
            "{Unreadable} unreadable cfgs, {Missing} missing and {Corrupt} corrupt blocks, {Orphans} orphan blocks",
            report.BackupTargetUrl, report.VolumesChecked, report.BackupsChecked, report.BlocksChecked, report.BlocksRead,
            report.UnreadableConfigs.Count, report.MissingBlocks.Count, report.CorruptBlocks.Count, report.OrphanBlocks.Count);
        return report;
    }

    private async Task<IReadOnlyList<string>> VolumesAsync(string? volumeName, CancellationToken cancellationToken)
    {
        if (volumeName is null) return await BlockListing.ListVolumeNamesAsync(driver, cancellationToken).ConfigureAwait(false);
        Names.Validate(volumeName, "volume");
        if ((await driver.ListAsync(StorePaths.Volume(volumeName).TrimEnd('/'), cancellationToken).ConfigureAwait(false)).Count == 0)
            throw new BackupStoreNotFoundException($"backup volume {volumeName} not found in backupstore {driver.Url}");
        return [volumeName];
    }

    private async Task<VolumeScan> ScanAsync(string volume, Findings findings, CancellationToken cancellationToken)
    {
        var scan = new VolumeScan();
        var root = StorePaths.Volume(volume);
        foreach (var file in await driver.ListAsync(root.TrimEnd('/'), cancellationToken).ConfigureAwait(false))
        {
            if (FileSystemDriver.IsTempName(file)) await AddTempFileAsync(volume, root + file, findings, cancellationToken).ConfigureAwait(false);
        }
        try
        {
            await StoreConfigs.LoadVolumeAsync(driver, volume, cancellationToken).ConfigureAwait(false);
        }
        catch (BackupStoreNotFoundException) when (volume == StorePaths.BackingImageLockVolume)
        {
            // Longhorn's backing-image lock folder, not a backup volume.
        }
        catch (BackupStoreException e)
        {
            findings.UnreadableConfigs.Add(new UnreadableConfig(volume, StorePaths.VolumeConfig(volume), e.Message));
        }

        var backups = StorePaths.BackupsDirectory(volume);
        foreach (var file in await driver.ListAsync(backups, cancellationToken).ConfigureAwait(false))
        {
            var path = $"{backups}/{file}";
            if (file.StartsWith(StorePaths.BackupConfigPrefix, StringComparison.Ordinal) && file.EndsWith(StorePaths.ConfigSuffix, StringComparison.Ordinal))
                await CheckBackupAsync(volume, file[StorePaths.BackupConfigPrefix.Length..^StorePaths.ConfigSuffix.Length], path, scan, findings,
                    cancellationToken).ConfigureAwait(false);
            else if (FileSystemDriver.IsTempName(file))
                await AddTempFileAsync(volume, path, findings, cancellationToken).ConfigureAwait(false);
        }

        foreach (var path in await BlockListing.ListBlockFilesAsync(driver, volume, cancellationToken).ConfigureAwait(false))
        {
            var file = path[(path.LastIndexOf('/') + 1)..];
            if (file.EndsWith(StorePaths.BlockSuffix, StringComparison.Ordinal) && BlockId.IsValid(file[..^StorePaths.BlockSuffix.Length]))
                scan.Present.Add(file[..^StorePaths.BlockSuffix.Length]);
            else if (FileSystemDriver.IsTempName(file))
                await AddTempFileAsync(volume, path, findings, cancellationToken).ConfigureAwait(false);
        }
        findings.BlocksChecked += scan.Present.Count;

        var locks = StorePaths.LocksDirectory(volume);
        var now = time.GetUtcNow();
        foreach (var file in await driver.ListAsync(locks, cancellationToken).ConfigureAwait(false))
        {
            var path = $"{locks}/{file}";
            if (file.EndsWith(StorePaths.LockSuffix, StringComparison.Ordinal))
                await CheckLockAsync(volume, path, now, findings, cancellationToken).ConfigureAwait(false);
            else if (FileSystemDriver.IsTempName(file))
                await AddTempFileAsync(volume, path, findings, cancellationToken).ConfigureAwait(false);
        }
        return scan;
    }

    private async Task CheckBackupAsync(string volume, string name, string path, VolumeScan scan, Findings findings, CancellationToken cancellationToken)
    {
        if (!Names.IsValid(name))
        {
            findings.UnreadableConfigs.Add(new UnreadableConfig(volume, path,
                $"backup name {name} is invalid, so Longhorn's listing and block GC ignore this cfg and keep none of its blocks"));
            return;
        }
        BackupConfig backup;
        try
        {
            backup = await StoreConfigs.LoadBackupAsync(driver, volume, name, cancellationToken).ConfigureAwait(false);
        }
        catch (BackupStoreNotFoundException)
        {
            return; // Deleted since the listing.
        }
        catch (BackupStoreException e)
        {
            findings.UnreadableConfigs.Add(new UnreadableConfig(volume, path, e.Message));
            return;
        }
        if (backup.IsInProgress)
        {
            var modified = await driver.FileTimeAsync(path, cancellationToken).ConfigureAwait(false);
            findings.InProgressBackups.Add(new InProgressBackup(volume, name, path, modified));
            scan.Pending.UnionWith(backup.Blocks.Select(b => b.BlockChecksum));
            return;
        }
        findings.BackupsChecked++;
        if (!Timestamps.TryParse(backup.SnapshotCreatedAt, out _))
        {
            findings.UnreadableConfigs.Add(new UnreadableConfig(volume, path,
                $"unreadable SnapshotCreatedAt {backup.SnapshotCreatedAt}: block GC of volume {volume} stays off until it is fixed"));
        }
        var decoding = DecodingOf(backup, out var problem);
        if (problem is not null) findings.UnreadableConfigs.Add(new UnreadableConfig(volume, path, problem));
        foreach (var block in backup.Blocks)
        {
            if (!scan.References.TryGetValue(block.BlockChecksum, out var referencedBy))
                scan.References[block.BlockChecksum] = referencedBy = [];
            if (referencedBy.Count == 0 || referencedBy[^1] != name) referencedBy.Add(name);
            if (decoding is { } known) scan.Decodings.TryAdd(block.BlockChecksum, known);
        }
    }

    /// <summary>How the backup's blocks decode (its compression and block size), or the problem that stops a restore of it.</summary>
    private static Decoding? DecodingOf(BackupConfig backup, out string? problem)
    {
        problem = null;
        if (!CompressionMethods.TryParse(backup.CompressionMethod, out var method))
        {
            problem = $"unknown compression method {backup.CompressionMethod}";
            return null;
        }
        long size;
        try
        {
            size = backup.BlockSize;
        }
        catch (BackupStoreArgumentException e)
        {
            problem = e.Message;
            return null;
        }
        if (size is > 0 and <= int.MaxValue) return new Decoding((int)size, method);
        problem = $"block size {size} is out of range";
        return null;
    }

    private async Task CheckLockAsync(string volume, string path, DateTimeOffset now, Findings findings, CancellationToken cancellationToken)
    {
        try
        {
            var modified = await driver.FileTimeAsync(path, cancellationToken).ConfigureAwait(false);
            if (modified is null) return; // Released since the listing.
            var file = LockFile.FromJson(await StoreConfigs.ReadAllAsync(driver, path, cancellationToken).ConfigureAwait(false));
            // Longhorn's expiry rule (lock.go): other writers ignore a lock whose file is older than the lock duration.
            if (now - modified.Value > options.Locks.Duration)
                findings.StaleLocks.Add(new StaleLock(volume, path, file.Name, (int)file.Type, file.Acquired, modified.Value));
        }
        catch (BackupStoreNotFoundException)
        {
            // Released between its time and its content.
        }
        catch (Exception e) when (e is BackupStoreException or FormatException)
        {
            findings.UnreadableConfigs.Add(new UnreadableConfig(volume, path, $"cannot read lock file {path}: {e.Message}"));
        }
    }

    private async Task AddTempFileAsync(string volume, string path, Findings findings, CancellationToken cancellationToken)
    {
        var modified = await driver.FileTimeAsync(path, cancellationToken).ConfigureAwait(false);
        findings.TempFiles.Add(new TempFile(volume, path, modified));
    }

    /// <summary>Reads every present, referenced block as a restore does (decoded, hashed against its id), N workers per block size.</summary>
    private async Task ReadBlocksAsync(string volume, VolumeScan scan, Findings findings, CancellationToken cancellationToken)
    {
        var groups = scan.References.Keys
            .Where(id => scan.Present.Contains(id) && scan.Decodings.ContainsKey(id))
            .Order(StringComparer.Ordinal)
            .GroupBy(id => scan.Decodings[id])
            .ToList();
        var vanished = new HashSet<string>(StringComparer.Ordinal);
        foreach (var group in groups)
        {
            await BlockPipeline.RunAsync(group.ToList(), options.RestoreConcurrency,
                () => new BlockWorker(group.Key.BlockSize, options.Lz4ContentChecksum),
                async (worker, id, ct) =>
                {
                    var path = StorePaths.Block(volume, id);
                    try
                    {
                        await BlockReader.ReadVerifiedAsync(driver, path, id, group.Key.Method, worker.Codec, worker.Block, ct).ConfigureAwait(false);
                        Interlocked.Increment(ref findings.BlocksRead);
                    }
                    catch (BackupStoreNotFoundException)
                    {
                        lock (vanished) vanished.Add(id);
                    }
                    catch (Exception e) when (e is BackupStoreException or IOException)
                    {
                        var corrupt = new CorruptBlock(volume, id, path, e.Message, scan.References[id]);
                        lock (findings.CorruptBlocks) findings.CorruptBlocks.Add(corrupt);
                    }
                }, cancellationToken).ConfigureAwait(false);
        }
        // A block removed since the listing is missing now, like one never written.
        scan.Present.ExceptWith(vanished);
    }

    private async Task<IReadOnlySet<string>> PruneAsync(string volume, Findings findings, CancellationToken cancellationToken)
    {
        try
        {
            var result = await deletion.PruneAsync(volume, cancellationToken).ConfigureAwait(false);
            findings.Pruned.Add(new PruneOutcome(volume, result.RemovedBlocks.Count, result.GarbageCollectionSkipped));
            return result.RemovedBlocks.ToHashSet(StringComparer.Ordinal);
        }
        catch (BackupStoreException e)
        {
            // A conflicting lock, or blocks the store would not remove: the other volumes are still checked and pruned.
            findings.Pruned.Add(new PruneOutcome(volume, 0, e.Message));
            return new HashSet<string>();
        }
    }

    private static IReadOnlyList<T> Sorted<T>(IEnumerable<T> items, Func<T, string> path) => items.OrderBy(path, StringComparer.Ordinal).ToList();

    /// <summary>How the blocks of a backup decode: its block size and compression.</summary>
    private readonly record struct Decoding(int BlockSize, CompressionMethod Method);

    /// <summary>One volume's blocks as the check saw them.</summary>
    private sealed class VolumeScan
    {
        /// <summary>Block id to the completed backups referencing it, in listing order.</summary>
        public Dictionary<string, List<string>> References { get; } = new(StringComparer.Ordinal);
        /// <summary>Blocks named by in-progress cfgs: not yet promised, so not missing, and not orphans either.</summary>
        public HashSet<string> Pending { get; } = new(StringComparer.Ordinal);
        public HashSet<string> Present { get; } = new(StringComparer.Ordinal);
        public Dictionary<string, Decoding> Decodings { get; } = new(StringComparer.Ordinal);
    }

    /// <summary>What the check found over every volume so far.</summary>
    private sealed class Findings
    {
        public int BackupsChecked;
        public int BlocksChecked;
        public int BlocksRead;
        public List<UnreadableConfig> UnreadableConfigs { get; } = [];
        public List<MissingBlock> MissingBlocks { get; } = [];
        public List<CorruptBlock> CorruptBlocks { get; } = [];
        public List<OrphanBlock> OrphanBlocks { get; } = [];
        public List<InProgressBackup> InProgressBackups { get; } = [];
        public List<StaleLock> StaleLocks { get; } = [];
        public List<TempFile> TempFiles { get; } = [];
        public List<PruneOutcome> Pruned { get; } = [];
    }
}
