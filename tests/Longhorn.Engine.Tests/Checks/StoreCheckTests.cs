using Longhorn.Engine.Backups;
using Longhorn.Engine.Blocks;
using Longhorn.Engine.Checks;
using Longhorn.Engine.Format;
using Longhorn.Engine.Locks;
using Longhorn.Engine.Tests.Support;

namespace Longhorn.Engine.Tests.Checks;

/// <summary>
/// The store check (restic's check and prune): what it reports on a real filesystem store, and that its prune removes
/// only orphan blocks, under a deletion lock, and keeps every block whenever block GC would (spec §6.1).
/// </summary>
public sealed class StoreCheckTests : IDisposable
{
    private const int MiB = 1024 * 1024;
    private readonly InterceptingDriver _driver;
    private readonly TestStore _bs;
    private readonly MemorySnapshotSource _source = new(8 * MiB);

    public StoreCheckTests()
    {
        InterceptingDriver? driver = null;
        _bs = new TestStore(d => driver = new InterceptingDriver(d));
        _driver = driver!;
    }

    public void Dispose() => _bs.Dispose();

    /// <summary>b1 holds blocks A (0) and Z (2 MiB); b2 writes random bytes at 2 MiB, B: A is shared, B is b2's alone.</summary>
    private async Task<(BackupResult B1, BackupResult B2, string Shared, string OnlyInB2)> TwoBackupsAsync(
        CompressionMethod compression = CompressionMethod.Lz4)
    {
        _source.Fill(0, 2 * MiB, 1);
        _source.Fill(2 * MiB, 2 * MiB, 0);
        _source.Snapshot("s1");
        var b1 = await Backup("s1", "backup-first", compression);
        // Random, so that a flipped byte changes what any decoder makes of it (in a run of equal bytes it may not).
        var random = new byte[2 * MiB];
        new Random(2).NextBytes(random);
        _source.Write(2 * MiB, random);
        _source.Snapshot("s2");
        var b2 = await Backup("s2", "backup-second", compression);
        var first = b1.Config.Blocks.Select(b => b.BlockChecksum).ToList();
        var second = b2.Config.Blocks.Select(b => b.BlockChecksum).ToList();
        return (b1, b2, first.Intersect(second).Single(), second.Except(first).Single());
    }

    private Task<BackupResult> Backup(string snapshot, string name, CompressionMethod compression = CompressionMethod.Lz4,
        string volume = "vol1", MemorySnapshotSource? source = null) =>
        _bs.Store.CreateBackupAsync(new BackupRequest
        {
            VolumeName = volume, SnapshotName = snapshot, BackupName = name, Compression = compression,
        }, source ?? _source);

    /// <summary>A backup of vol2 whose first <paramref name="written"/> bytes hold one value (one block however long).</summary>
    private Task<BackupResult> OtherVolumeAsync(long written)
    {
        var other = new MemorySnapshotSource(4 * MiB);
        other.Fill(0, written, 7);
        other.Snapshot("o1");
        return Backup("o1", "backup-other", volume: "vol2", source: other);
    }

    /// <summary>b1 and b2, then b2's cfg removed by hand (no GC ran): B is an orphan.</summary>
    private async Task<(BackupResult B1, string Orphan)> OrphanAsync()
    {
        var (b1, b2, _, onlyInB2) = await TwoBackupsAsync();
        File.Delete(_bs.Local(StorePaths.BackupConfig("vol1", b2.BackupName)));
        return (b1, onlyInB2);
    }

    private Task<StoreCheckReport> Check(bool readData = false, bool prune = false, string? volume = null) =>
        _bs.Store.CheckAsync(new StoreCheckRequest { VolumeName = volume, ReadData = readData, Prune = prune });

    private IReadOnlyList<string> BlockFiles(string volume = "vol1") =>
        _bs.Files().Where(f => f.EndsWith(".blk", StringComparison.Ordinal) && f.Contains($"/{volume}/", StringComparison.Ordinal))
            .Select(f => Path.GetFileNameWithoutExtension(f)).Order(StringComparer.Ordinal).ToList();

    private IReadOnlyList<string> LockFiles() =>
        _bs.Files().Where(f => f.EndsWith(".lck", StringComparison.Ordinal)).Select(f => Path.GetFileName(f)).ToList();

    private void Write(string storePath, string text, DateTime? modified = null)
    {
        var local = _bs.Local(storePath);
        Directory.CreateDirectory(Path.GetDirectoryName(local)!);
        File.WriteAllText(local, text);
        if (modified is { } at) File.SetLastWriteTimeUtc(local, at);
    }

    private async Task SetSnapshotTimeAsync(string backupName, string snapshotCreatedAt)
    {
        var path = _bs.Local(StorePaths.BackupConfig("vol1", backupName));
        var cfg = BackupConfig.FromJson(await File.ReadAllBytesAsync(path));
        await File.WriteAllBytesAsync(path, (cfg with { SnapshotCreatedAt = snapshotCreatedAt }).ToJson());
    }

    private static void AssertNoFindings(StoreCheckReport report)
    {
        Assert.True(report.IsConsistent);
        Assert.Empty(report.UnreadableConfigs);
        Assert.Empty(report.MissingBlocks);
        Assert.Empty(report.CorruptBlocks);
        Assert.Empty(report.OrphanBlocks);
        Assert.Empty(report.InProgressBackups);
        Assert.Empty(report.StaleLocks);
        Assert.Empty(report.TempFiles);
        Assert.Empty(report.Pruned);
    }

    [Fact]
    public async Task A_clean_store_is_consistent_every_volume_backup_and_block_counted_and_nothing_written()
    {
        await TwoBackupsAsync();
        await OtherVolumeAsync(4 * MiB);
        var contents = _bs.Contents();

        var report = await Check(readData: true);

        AssertNoFindings(report);
        Assert.Equal(_bs.Driver.Url, report.BackupTargetUrl);
        Assert.Equal(2, report.VolumesChecked);
        Assert.Equal(3, report.BackupsChecked);
        Assert.Equal(BlockFiles("vol1").Count + BlockFiles("vol2").Count, report.BlocksChecked);
        Assert.Equal(4, report.BlocksChecked); // A, Z and B; vol2's two equal blocks are one
        Assert.Equal(report.BlocksChecked, report.BlocksRead);
        Assert.Equal(contents, _bs.Contents());
    }

    [Fact]
    public async Task A_deleted_block_is_missing_with_every_backup_that_references_it()
    {
        var (b1, b2, shared, _) = await TwoBackupsAsync();
        File.Delete(_bs.Local(StorePaths.Block("vol1", shared)));

        var report = await Check();

        Assert.False(report.IsConsistent);
        var missing = Assert.Single(report.MissingBlocks);
        Assert.Equal(new MissingBlock("vol1", shared, StorePaths.Block("vol1", shared), missing.ReferencedBy), missing);
        Assert.Equal([b1.BackupName, b2.BackupName], missing.ReferencedBy);
        Assert.Empty(report.OrphanBlocks);
        Assert.Empty(report.CorruptBlocks);
        Assert.Equal(2, report.BlocksChecked);
    }

    [Theory]
    [InlineData(CompressionMethod.None)]
    [InlineData(CompressionMethod.Gzip)]
    [InlineData(CompressionMethod.Lz4)]
    public async Task A_flipped_byte_in_a_block_is_corrupt_only_when_the_data_is_read(CompressionMethod compression)
    {
        var (_, b2, _, onlyInB2) = await TwoBackupsAsync(compression);
        var path = _bs.Local(StorePaths.Block("vol1", onlyInB2));
        var bytes = await File.ReadAllBytesAsync(path);
        bytes[bytes.Length / 2] ^= 0x40;
        await File.WriteAllBytesAsync(path, bytes);

        AssertNoFindings(await Check());

        var report = await Check(readData: true);
        Assert.False(report.IsConsistent);
        var corrupt = Assert.Single(report.CorruptBlocks);
        Assert.Equal(onlyInB2, corrupt.Checksum);
        Assert.Equal(StorePaths.Block("vol1", onlyInB2), corrupt.Path);
        Assert.Equal([b2.BackupName], corrupt.ReferencedBy);
        if (compression == CompressionMethod.None) Assert.StartsWith("checksum verification failed for block", corrupt.Reason);
        Assert.Equal(2, report.BlocksRead);
        Assert.Equal(3, report.BlocksChecked);
        Assert.Empty(report.MissingBlocks);
    }

    [Fact]
    public async Task An_orphan_block_is_reported_and_removed_by_prune_which_keeps_every_referenced_block()
    {
        var (b1, orphan) = await OrphanAsync();
        var contents = _bs.Contents();

        var found = await Check();
        Assert.True(found.IsConsistent);
        Assert.Equal([new OrphanBlock("vol1", orphan, StorePaths.Block("vol1", orphan), Removed: false)], found.OrphanBlocks);
        Assert.Empty(found.Pruned);
        Assert.Equal(contents, _bs.Contents());

        var pruned = await Check(prune: true);
        Assert.Equal([new OrphanBlock("vol1", orphan, StorePaths.Block("vol1", orphan), Removed: true)], pruned.OrphanBlocks);
        Assert.Equal([new PruneOutcome("vol1", 1, null)], pruned.Pruned);
        Assert.Equal(b1.Config.Blocks.Select(b => b.BlockChecksum).Order(StringComparer.Ordinal), BlockFiles());
        Assert.Equal(2, (await _bs.Store.InspectVolumeAsync("vol1")).BlockCount);
        Assert.Empty(LockFiles());
        Assert.Equal(_source.Image("s1"), await _bs.RestoreToBytesAsync("vol1", b1.BackupName));
        AssertNoFindings(await Check(readData: true, prune: true));
    }

    [Fact]
    public async Task Prune_removes_orphans_but_never_a_referenced_block_even_when_another_is_missing()
    {
        var (b1, orphan) = await OrphanAsync();
        var lost = b1.Config.Blocks[1].BlockChecksum;
        File.Delete(_bs.Local(StorePaths.Block("vol1", lost)));
        var kept = b1.Config.Blocks[0].BlockChecksum;

        var report = await Check(prune: true);

        Assert.Equal([lost], report.MissingBlocks.Select(m => m.Checksum));
        Assert.Equal([new OrphanBlock("vol1", orphan, StorePaths.Block("vol1", orphan), Removed: true)], report.OrphanBlocks);
        Assert.Equal([kept], BlockFiles());
    }

    /// <summary>Runs a check with prune and asserts that it reported the orphan, kept every block and left no lock of its own.</summary>
    private async Task<StoreCheckReport> AssertPruneKeepsEveryBlockAsync(string orphan, string reason)
    {
        var blocks = BlockFiles();
        var locks = LockFiles();
        var report = await Check(prune: true);
        Assert.Contains(report.OrphanBlocks, o => o.Checksum == orphan);
        Assert.All(report.OrphanBlocks, o => Assert.False(o.Removed));
        var outcome = Assert.Single(report.Pruned);
        Assert.Equal(0, outcome.RemovedBlockCount);
        Assert.Contains(reason, outcome.Skipped);
        Assert.Equal(blocks, BlockFiles());
        Assert.Equal(locks, LockFiles());
        return report;
    }

    [Fact]
    public async Task A_cfg_that_does_not_parse_is_reported_and_prune_keeps_every_block()
    {
        var (b1, orphan) = await OrphanAsync();
        var path = StorePaths.BackupConfig("vol1", b1.BackupName);
        Write(path, "{\"Name\":\"backup-first\",\"Blocks\":[{");

        var report = await AssertPruneKeepsEveryBlockAsync(orphan, $"cannot load backup {b1.BackupName}");

        Assert.False(report.IsConsistent);
        var unreadable = Assert.Single(report.UnreadableConfigs);
        Assert.Equal(path, unreadable.Path);
        Assert.StartsWith($"cannot parse {path} in backupstore", unreadable.Reason);
        // With b1 unreadable no cfg references its blocks: they are reported, and the prune must not trust that.
        Assert.Equal(3, report.OrphanBlocks.Count);
    }

    [Fact]
    public async Task An_unreadable_snapshot_time_is_reported_and_prune_keeps_every_block()
    {
        var (b1, orphan) = await OrphanAsync();
        await SetSnapshotTimeAsync(b1.BackupName, "yesterday");

        var report = await AssertPruneKeepsEveryBlockAsync(orphan, $"backup {b1.BackupName} has an unreadable SnapshotCreatedAt yesterday");

        var unreadable = Assert.Single(report.UnreadableConfigs);
        Assert.Equal(StorePaths.BackupConfig("vol1", b1.BackupName), unreadable.Path);
        Assert.StartsWith("unreadable SnapshotCreatedAt yesterday", unreadable.Reason);
        Assert.Equal(1, report.BackupsChecked);
    }

    [Fact]
    public async Task A_backup_in_progress_is_reported_its_blocks_are_not_orphans_and_prune_keeps_every_block()
    {
        var (_, orphan) = await OrphanAsync();
        var pending = new string('c', 64);
        Write(StorePaths.Block("vol1", pending), "uploaded by a backup that has not written its final cfg");
        var placeholder = StorePaths.BackupConfig("vol1", "backup-writing");
        Write(placeholder, $$"""{"Name":"backup-writing","VolumeName":"vol1","CreatedTime":"","Blocks":[{"Offset":0,"BlockChecksum":"{{pending}}"}]}""");

        var report = await AssertPruneKeepsEveryBlockAsync(orphan, "backup backup-writing is still in progress");

        Assert.True(report.IsConsistent);
        var inProgress = Assert.Single(report.InProgressBackups);
        Assert.Equal(("vol1", "backup-writing", placeholder), (inProgress.Volume, inProgress.Name, inProgress.Path));
        Assert.NotNull(inProgress.ModifiedAt);
        Assert.Equal([orphan], report.OrphanBlocks.Select(o => o.Checksum));
        Assert.Empty(report.MissingBlocks);
    }

    [Fact]
    public async Task A_backup_created_while_the_prune_counts_references_keeps_its_blocks()
    {
        var (b1, orphan) = await OrphanAsync();
        var late = b1.Config with
        {
            Name = "backup-late",
            Blocks = [new BackupBlock(0, b1.Config.Blocks[0].BlockChecksum), new BackupBlock(2 * MiB, orphan)],
        };
        var reads = 0;
        // The check reads backup-first once; the prune's count reads it again, and another writer completes a backup then.
        _driver.BeforeRead = async path =>
        {
            if (!path.EndsWith($"backup_{b1.BackupName}.cfg", StringComparison.Ordinal) || ++reads != 2) return;
            await _driver.WriteAsync(StorePaths.BackupConfig("vol1", "backup-late"), late.ToJson(), CancellationToken.None);
        };

        await AssertPruneKeepsEveryBlockAsync(orphan, "the backup list changed while references were counted");

        Assert.Equal(2, reads);
        _driver.BeforeRead = null;
        Assert.Equal(_source.Image("s2"), await _bs.RestoreToBytesAsync("vol1", "backup-late"));
        AssertNoFindings(await Check(readData: true));
    }

    [Fact]
    public async Task An_unreadable_volume_cfg_is_reported_and_prune_keeps_every_block()
    {
        var (_, orphan) = await OrphanAsync();
        var path = StorePaths.VolumeConfig("vol1");
        Write(path, "{\"Name\":");

        var report = await AssertPruneKeepsEveryBlockAsync(orphan, "cannot load volume.cfg: cannot parse");

        Assert.Equal([path], report.UnreadableConfigs.Select(c => c.Path));
        Assert.Equal("{\"Name\":", await File.ReadAllTextAsync(_bs.Local(path)));
    }

    [Fact]
    public async Task A_missing_volume_cfg_is_reported_and_prune_keeps_every_block()
    {
        var (_, orphan) = await OrphanAsync();
        File.Delete(_bs.Local(StorePaths.VolumeConfig("vol1")));

        var report = await AssertPruneKeepsEveryBlockAsync(orphan, "cannot load volume.cfg: backup volume vol1 not found");

        var unreadable = Assert.Single(report.UnreadableConfigs);
        Assert.Equal(StorePaths.VolumeConfig("vol1"), unreadable.Path);
        Assert.Contains($"cannot find {StorePaths.VolumeConfig("vol1")}", unreadable.Reason);
        Assert.False(File.Exists(_bs.Local(StorePaths.VolumeConfig("vol1"))), "prune does not invent a volume.cfg");
    }

    [Fact]
    public async Task A_live_backup_lock_of_another_writer_stops_the_prune_and_stays()
    {
        var (_, orphan) = await OrphanAsync();
        var other = StorePaths.Lock("vol1", "lock-00000000000040aa");
        Write(other, System.Text.Encoding.UTF8.GetString(new LockFile("lock-00000000000040aa", LockType.BackupOrRestore, true).ToJson()), DateTime.UtcNow);

        var report = await AssertPruneKeepsEveryBlockAsync(orphan, "failed to acquire lock");

        Assert.Empty(report.StaleLocks);
        Assert.True(File.Exists(_bs.Local(other)));
    }

    [Fact]
    public async Task A_backup_cfg_with_an_invalid_name_is_reported_as_one_gc_ignores()
    {
        await TwoBackupsAsync();
        var path = $"{StorePaths.BackupsDirectory("vol1")}/backup_-x.cfg";
        Write(path, "{}");

        var report = await Check();

        var unreadable = Assert.Single(report.UnreadableConfigs);
        Assert.Equal(path, unreadable.Path);
        Assert.Contains("backup name -x is invalid", unreadable.Reason);
    }

    [Fact]
    public async Task Stale_locks_and_temp_files_are_reported_and_left_where_they_are_even_by_a_prune()
    {
        var (_, orphan) = await OrphanAsync();
        var longAgo = DateTime.UtcNow.AddMinutes(-10);
        var stale = StorePaths.Lock("vol1", "lock-00000000000040bb");
        Write(stale, System.Text.Encoding.UTF8.GetString(new LockFile("lock-00000000000040bb", LockType.BackupOrRestore, true).ToJson()), longAgo);
        var live = StorePaths.Lock("vol1", "lock-00000000000040cc");
        Write(live, System.Text.Encoding.UTF8.GetString(new LockFile("lock-00000000000040cc", LockType.Deletion, false).ToJson()), DateTime.UtcNow);
        string[] temps =
        [
            StorePaths.VolumeConfig("vol1") + ".tmp.1764547200000000001",
            StorePaths.BackupConfig("vol1", "backup-first") + ".tmp.1764547200000000002",
            StorePaths.Block("vol1", new string('d', 64)) + ".tmp.1764547200000000003",
            stale + ".tmp.1764547200000000004",
        ];
        foreach (var temp in temps) Write(temp, "half", longAgo);

        var report = await Check(prune: true);

        Assert.True(report.IsConsistent);
        Assert.Equal([new StaleLock("vol1", stale, "lock-00000000000040bb", 1, true, new DateTimeOffset(longAgo))], report.StaleLocks);
        Assert.Equal(temps.Order(StringComparer.Ordinal), report.TempFiles.Select(t => t.Path));
        Assert.All(report.TempFiles, t => Assert.Equal(new DateTimeOffset(longAgo), t.ModifiedAt));
        // The stale lock is expired and the live one is a deletion lock like the prune's own: the prune runs.
        Assert.Equal([new PruneOutcome("vol1", 1, null)], report.Pruned);
        Assert.DoesNotContain(orphan, BlockFiles());
        Assert.All(temps.Append(stale).Append(live), path => Assert.True(File.Exists(_bs.Local(path)), path));
    }

    [Fact]
    public async Task Longhorns_backing_image_lock_folder_needs_no_volume_cfg_but_its_locks_are_checked()
    {
        await TwoBackupsAsync();
        var stale = StorePaths.Lock(StorePaths.BackingImageLockVolume, "lock-00000000000040dd");
        Write(stale, System.Text.Encoding.UTF8.GetString(new LockFile("lock-00000000000040dd", LockType.Deletion, true).ToJson()),
            DateTime.UtcNow.AddMinutes(-10));

        var report = await Check();

        Assert.True(report.IsConsistent);
        Assert.Empty(report.UnreadableConfigs);
        Assert.Equal(2, report.VolumesChecked);
        Assert.Equal([stale], report.StaleLocks.Select(l => l.Path));
    }

    [Fact]
    public async Task One_volume_is_checked_alone_an_absent_one_is_not_found_and_an_invalid_name_touches_nothing()
    {
        await TwoBackupsAsync();
        var broken = await OtherVolumeAsync(2 * MiB);
        File.Delete(_bs.Local(StorePaths.Block("vol2", broken.Config.Blocks[0].BlockChecksum)));

        var vol1 = await Check(readData: true, volume: "vol1");
        AssertNoFindings(vol1);
        Assert.Equal(("vol1", 1, 2), (vol1.VolumeName, vol1.VolumesChecked, vol1.BackupsChecked));
        var all = await Check();
        Assert.Equal(["vol2"], all.MissingBlocks.Select(m => m.Volume));

        var contents = _bs.Contents();
        var absent = await Assert.ThrowsAsync<BackupStoreNotFoundException>(() => Check(volume: "vol3", prune: true));
        Assert.Equal($"backup volume vol3 not found in backupstore {_bs.Driver.Url}", absent.Message);
        var invalid = await Assert.ThrowsAsync<BackupStoreArgumentException>(() => Check(volume: "../vol1", prune: true));
        Assert.Equal("invalid volume name ../vol1: must match ^[a-zA-Z0-9][a-zA-Z0-9_.-]+$", invalid.Message);
        Assert.Equal(contents, _bs.Contents());
    }
}
