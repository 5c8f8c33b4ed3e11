using Longhorn.Engine.Backups;
using Longhorn.Engine.Blocks;
using Longhorn.Engine.Format;
using Longhorn.Engine.Snapshots;
using Longhorn.Engine.Tests.Support;

namespace Longhorn.Engine.Tests.Safety;

/// <summary>
/// The delta backup's rules (spec §4): what it refuses before writing, when it falls back to a full backup, what the cfg
/// and volume.cfg record, and full mode's re-upload.
/// </summary>
public sealed class DeltaBackupRulesTests : IDisposable
{
    private const int MiB = 1024 * 1024;
    private readonly TestStore _bs = new();
    private readonly MemorySnapshotSource _source = new(8 * MiB);

    public DeltaBackupRulesTests()
    {
        _source.Fill(0, 2 * MiB, 1);
        _source.Fill(4 * MiB, 4096, 2);
        _source.Snapshot("s1");
        _source.Fill(2 * MiB, 4096, 3);
        _source.Snapshot("s2");
    }

    public void Dispose() => _bs.Dispose();

    private Task<BackupResult> Backup(string snapshot, string? name = null, bool full = false, long blockSize = 2 * MiB, ISnapshotSource? source = null,
        IProgress<int>? progress = null) =>
        _bs.Store.CreateBackupAsync(new BackupRequest
        {
            VolumeName = "vol1", SnapshotName = snapshot, BackupName = name, FullBackup = full, BlockSize = blockSize,
            Labels = new Dictionary<string, string> { ["app"] = "db" }, StorageClassName = "longhorn", BackingImageName = "bi", BackingImageChecksum = "sum",
        }, source ?? _source, progress);

    [Fact]
    public async Task A_backup_name_already_in_the_store_is_refused_and_nothing_changes()
    {
        await Backup("s1", "backup-one");
        var before = _bs.Contents();
        var e = await Assert.ThrowsAsync<BackupStoreArgumentException>(() => Backup("s2", "backup-one"));
        Assert.Equal($"backup backup-one of volume vol1 already exists in backupstore {_bs.Driver.Url}", e.Message);
        Assert.Equal(before, _bs.Contents());
    }

    [Fact]
    public async Task A_missing_or_empty_snapshot_is_refused_before_anything_is_written()
    {
        var missing = await Assert.ThrowsAsync<BackupStoreNotFoundException>(() => Backup("s9"));
        Assert.Equal("snapshot s9 of volume vol1 not found", missing.Message);
        var empty = await Assert.ThrowsAsync<BackupStoreArgumentException>(() => Backup("", "backup-empty"));
        Assert.Equal("invalid snapshot name for backup backup-empty: it is empty", empty.Message);
        Assert.DoesNotContain(_bs.Files(), f => !f.Contains("/locks/", StringComparison.Ordinal));
    }

    [Fact]
    public async Task The_first_backup_records_everything_longhorn_reads()
    {
        var reports = new List<int>();
        var result = await Backup("s1", "backup-first", progress: new Synchronous(reports));
        var cfg = BackupConfig.FromJson(await File.ReadAllBytesAsync(_bs.Local(StorePaths.BackupConfig("vol1", "backup-first"))));
        Assert.Equal(result.Config.ToJson(), cfg.ToJson());
        // What the backup returns of itself is what inspecting the store says, so the host need not read it back.
        Assert.Equal(System.Text.Json.JsonSerializer.Serialize(await _bs.Store.InspectBackupAsync("vol1", "backup-first")),
            System.Text.Json.JsonSerializer.Serialize(result.Info));
        Assert.Equal(System.Text.Json.JsonSerializer.Serialize(await _bs.Store.InspectVolumeAsync("vol1")),
            System.Text.Json.JsonSerializer.Serialize(result.Volume));
        Assert.Equal("s1", cfg.SnapshotName);
        Assert.True(Timestamps.TryParse(cfg.SnapshotCreatedAt, out var snapshotAt));
        Assert.True(Timestamps.TryParse(cfg.CreatedTime, out var createdAt));
        Assert.True(snapshotAt < createdAt, "the snapshot time is taken when the backup is asked for, before the lock's settle");
        Assert.Equal(2 * 2 * MiB, cfg.Size);
        Assert.Equal("db", cfg.Labels!["app"]);
        Assert.Equal("incremental", cfg.Parameters![BackupConfig.BackupModeParameter]);
        Assert.Equal("2097152", cfg.Parameters[BackupConfig.BlockSizeParameter]);
        Assert.False(cfg.IsIncremental);
        Assert.True(cfg.HasProcessingBlocks);
        Assert.Equal("lz4", cfg.CompressionMethod);
        Assert.Equal(2, result.NewBlockCount);
        Assert.Equal(cfg.Blocks.Sum(b => new FileInfo(_bs.Local(StorePaths.Block("vol1", b.BlockChecksum))).Length), cfg.NewlyUploadedDataSize);
        Assert.Equal(0, cfg.ReUploadedDataSize);
        Assert.Equal([47, 95, 100], reports);

        var volume = VolumeConfig.FromJson(await File.ReadAllBytesAsync(_bs.Local(StorePaths.VolumeConfig("vol1"))));
        Assert.Equal(("backup-first", cfg.SnapshotCreatedAt, 2L, 8L * MiB), (volume.LastBackupName, volume.LastBackupAt, volume.BlockCount, volume.Size));
        Assert.Equal(("bi", "sum", "longhorn", "db"), (volume.BackingImageName, volume.BackingImageChecksum, volume.StorageClassName, volume.Labels!["app"]));
        Assert.True(Timestamps.TryParse(volume.CreatedTime, out _));
    }

    [Fact]
    public async Task An_incremental_backup_uploads_the_changed_blocks_merges_the_rest_and_counts_them_into_volume_cfg()
    {
        var first = await Backup("s1");
        var second = await Backup("s2");
        Assert.True(second.Config.IsIncremental);
        Assert.False(second.Config.HasProcessingBlocks);
        Assert.Equal(1, second.NewBlockCount);
        Assert.Equal([0L, 2 * MiB, 4 * MiB], second.Config.Blocks.Select(b => b.Offset));
        Assert.Equal(first.Config.Blocks[0], second.Config.Blocks[0]);
        Assert.Equal(first.Config.Blocks[1], second.Config.Blocks[2]);
        Assert.Equal(3 * 2 * MiB, second.Config.Size);
        Assert.Equal(3, (await _bs.Store.InspectVolumeAsync("vol1")).BlockCount);
        // The volume.cfg the incremental returns is the one it wrote over the first backup's: its name, its block count.
        Assert.Equal(System.Text.Json.JsonSerializer.Serialize(await _bs.Store.InspectVolumeAsync("vol1")),
            System.Text.Json.JsonSerializer.Serialize(second.Volume));
        Assert.Equal((second.BackupName, 3L), (second.Volume.LastBackupName, second.Volume.BlockCount));
        Assert.Equal(_source.Image("s2"), await _bs.RestoreToBytesAsync("vol1", second.BackupName));
    }

    [Fact]
    public async Task Full_mode_reads_every_block_and_re_uploads_those_already_stored()
    {
        var first = await Backup("s1");
        var full = await Backup("s2", full: true);
        Assert.False(full.Config.IsIncremental);
        Assert.Equal("full", full.Config.Parameters![BackupConfig.BackupModeParameter]);
        Assert.Equal(1, full.NewBlockCount);
        var sizes = full.Config.Blocks.ToDictionary(b => b.BlockChecksum, b => new FileInfo(_bs.Local(StorePaths.Block("vol1", b.BlockChecksum))).Length);
        var reused = first.Config.Blocks.Select(b => b.BlockChecksum).ToHashSet();
        Assert.Equal(sizes.Where(kv => reused.Contains(kv.Key)).Sum(kv => kv.Value), full.Config.ReUploadedDataSize);
        Assert.Equal(sizes.Where(kv => !reused.Contains(kv.Key)).Sum(kv => kv.Value), full.Config.NewlyUploadedDataSize);
        Assert.Equal(3, (await _bs.Store.InspectVolumeAsync("vol1")).BlockCount);
    }

    public static TheoryData<string> Fallbacks => new() { "unreadable base", "base in progress", "same snapshot", "base snapshot gone", "other block size" };

    [Theory]
    [MemberData(nameof(Fallbacks))]
    public async Task Backups_fall_back_to_full_when_the_base_cannot_serve(string fallback)
    {
        var volume = _source;
        if (fallback == "other block size")
        {
            volume = new MemorySnapshotSource(32 * MiB);
            volume.Fill(0, 4096, 1);
            volume.Snapshot("s1");
            volume.Fill(20 * MiB, 4096, 2);
            volume.Snapshot("s2");
        }
        var first = await Backup("s1", "backup-base", source: volume);
        var snapshot = "s2";
        var blockSize = 2L * MiB;
        var source = (ISnapshotSource)volume;
        var basePath = _bs.Local(StorePaths.BackupConfig("vol1", first.BackupName));
        switch (fallback)
        {
            case "unreadable base": await File.WriteAllTextAsync(basePath, "{"); break;
            case "base in progress": await File.WriteAllBytesAsync(basePath, (first.Config with { CreatedTime = "" }).ToJson()); break;
            case "same snapshot": snapshot = "s1"; break;
            case "base snapshot gone": source = new Without(volume, "s1"); break;
            case "other block size": blockSize = 16 * MiB; break;
        }
        var result = await Backup(snapshot, blockSize: blockSize, source: source);
        Assert.False(result.Config.IsIncremental);
        Assert.True(result.Config.HasProcessingBlocks);
        var expected = volume.Image(snapshot);
        Assert.Equal(expected.Chunk((int)blockSize).Count(c => c.Any(b => b != 0)), result.Config.Blocks.Count);
        Assert.Equal(expected, await _bs.RestoreToBytesAsync("vol1", result.BackupName));
    }

    [Theory]
    [InlineData(0, 4096)]
    [InlineData(4096, 2 * MiB)]
    public async Task A_snapshot_diff_that_is_not_in_block_units_fails_the_backup_and_leaves_no_cfg(long offset, long size)
    {
        var e = await Assert.ThrowsAsync<BackupStoreException>(() => Backup("s1", "backup-odd", source: new OddDiff(_source, new BlockMapping(offset, size))));
        Assert.Equal($"snapshot s1 diff returned a mapping at {offset} of {size} bytes, not a block of {2 * MiB}", e.Message);
        Assert.False(File.Exists(_bs.Local(StorePaths.BackupConfig("vol1", "backup-odd"))));
    }

    [Fact]
    public async Task A_base_snapshot_the_replicas_chain_no_longer_holds_makes_a_full_backup()
    {
        await Backup("s1", "backup-base");
        var result = await Backup("s2", source: new ChainWithoutBase(_source));
        Assert.False(result.Config.IsIncremental);
        Assert.True(result.Config.HasProcessingBlocks);
        Assert.Equal([0L, 2 * MiB, 4 * MiB], result.Config.Blocks.Select(b => b.Offset));
        Assert.Equal(_source.Image("s2"), await _bs.RestoreToBytesAsync("vol1", result.BackupName));
    }

    [Fact]
    public async Task A_backup_that_fails_after_its_placeholder_removes_it_and_tells_the_journal_it_is_gone()
    {
        InterceptingDriver? driver = null;
        var journal = new RecordingJournal("");
        using var bs = new TestStore(d => driver = new InterceptingDriver(d), new BackupStoreOptions { Locks = new() { FileJournal = journal } });
        journal.Root = bs.Root;
        var cfg = StorePaths.BackupConfig("vol1", "backup-failed");
        // The placeholder is the first write of the cfg; the completed cfg, the second, fails.
        var cfgWrites = 0;
        driver!.BeforeWrite = path => path == cfg && Interlocked.Increment(ref cfgWrites) == 2
            ? throw new BackupStoreException("store full")
            : ValueTask.CompletedTask;

        var e = await Assert.ThrowsAsync<BackupStoreException>(() => bs.Store.CreateBackupAsync(
            new BackupRequest { VolumeName = "vol1", SnapshotName = "s1", BackupName = "backup-failed" }, _source));

        Assert.Equal("store full", e.Message);
        Assert.False(File.Exists(bs.Local(cfg)));
        var recorded = Assert.Single(journal.Written, w => w.Path == cfg);
        Assert.False(recorded.ExistedWhenRecorded);
        Assert.Equal(1, journal.Gone.Count(p => p == cfg));
    }

    [Fact]
    public async Task A_failed_backup_whose_placeholder_cannot_be_removed_fails_with_its_own_error_and_leaves_it_in_progress()
    {
        InterceptingDriver? driver = null;
        var journal = new RecordingJournal("");
        using var bs = new TestStore(d => driver = new InterceptingDriver(d), new BackupStoreOptions { Locks = new() { FileJournal = journal } });
        journal.Root = bs.Root;
        var cfg = StorePaths.BackupConfig("vol1", "backup-stuck");
        driver!.BeforeWrite = async path =>
        {
            if (!path.StartsWith(StorePaths.BlocksDirectory("vol1"), StringComparison.Ordinal)) return;
            // Blocks are written while the lock settles too; this failure comes once the placeholder is there to remove.
            await Eventually.HoldsAsync(() => File.Exists(bs.Local(cfg)), "the placeholder to be written");
            throw new BackupStoreException("store full");
        };
        driver.BeforeRemove = path => path == cfg ? throw new BackupStoreException("store gone") : ValueTask.CompletedTask;

        var e = await Assert.ThrowsAsync<BackupStoreException>(() => bs.Store.CreateBackupAsync(
            new BackupRequest { VolumeName = "vol1", SnapshotName = "s1", BackupName = "backup-stuck" }, _source));
        Assert.Equal("store full", e.Message);
        // What no removal took away stays a placeholder, which later deletes see as a backup in progress, and stays in
        // the journal, so the writer's next start removes it.
        Assert.True(BackupConfig.FromJson(await File.ReadAllBytesAsync(bs.Local(cfg))).IsInProgress);
        Assert.Contains(journal.Written, w => w.Path == cfg);
        Assert.DoesNotContain(cfg, journal.Gone);
    }

    [Fact]
    public async Task Progress_only_rises_each_percent_is_reported_once_and_the_end_is_100()
    {
        // 200 blocks: more blocks than the 95 percents the blocks share, so many blocks end on a percent already reported.
        var source = new MemorySnapshotSource(200 * 2L * MiB);
        for (var i = 0; i < 200; i++) source.Fill(i * 2L * MiB, 4096, (byte)(i + 1));
        source.Snapshot("s1");
        var reports = new List<int>();

        await Backup("s1", source: source, progress: new Synchronous(reports));

        Assert.Equal(reports.Distinct().Order(), reports);
        Assert.Equal(Enumerable.Range(1, 95).Append(100), reports);
    }

    [Fact]
    public async Task A_volume_keeps_the_compression_it_was_created_with_whatever_a_later_backup_asks_for()
    {
        await _bs.Store.CreateBackupAsync(new BackupRequest { VolumeName = "vol1", SnapshotName = "s1", Compression = CompressionMethod.Gzip }, _source);

        var second = await _bs.Store.CreateBackupAsync(new BackupRequest { VolumeName = "vol1", SnapshotName = "s2", Compression = CompressionMethod.Lz4 }, _source);

        Assert.Equal("gzip", second.Config.CompressionMethod);
        var changed = second.Config.Blocks.Single(b => b.Offset == 2 * MiB).BlockChecksum;
        // A gzip member starts 1f 8b.
        Assert.Equal([0x1f, 0x8b], (await File.ReadAllBytesAsync(_bs.Local(StorePaths.Block("vol1", changed))))[..2]);
        Assert.Equal(_source.Image("s2"), await _bs.RestoreToBytesAsync("vol1", second.BackupName));
    }

    [Fact]
    public async Task A_backup_that_names_no_storage_class_or_backing_image_records_them_empty()
    {
        await _bs.Store.CreateBackupAsync(new BackupRequest { VolumeName = "vol1", SnapshotName = "s1" }, _source);
        var volume = VolumeConfig.FromJson(await File.ReadAllBytesAsync(_bs.Local(StorePaths.VolumeConfig("vol1"))));
        Assert.Equal(("", "", ""), (volume.StorageClassName, volume.BackingImageName, volume.BackingImageChecksum));
    }

    [Fact]
    public async Task While_its_blocks_upload_a_backup_is_a_placeholder_cfg_in_progress()
    {
        var gated = new GatedSnapshotSource(_source);
        var backup = Backup("s1", "backup-slow", source: gated);
        await gated.Entered.WaitAsync(Eventually.HangLimit);
        // The placeholder is what keeps another host's delete from collecting the blocks this backup is uploading; it is
        // written once the lock is confirmed (blocks may start uploading while the lock settles), with the read held.
        var path = _bs.Local(StorePaths.BackupConfig("vol1", "backup-slow"));
        await Eventually.HoldsAsync(() => File.Exists(path), "the placeholder once the lock is confirmed");
        var placeholder = BackupConfig.FromJson(await File.ReadAllBytesAsync(path));
        Assert.True(placeholder.IsInProgress);
        Assert.Empty(placeholder.Blocks);
        gated.Open();
        Assert.False((await backup).Config.IsInProgress);
    }

    [Fact]
    public async Task A_base_backup_without_a_snapshot_name_is_still_the_base_as_in_go()
    {
        var first = await Backup("s1", "backup-base");
        var basePath = _bs.Local(StorePaths.BackupConfig("vol1", first.BackupName));
        await File.WriteAllBytesAsync(basePath, (first.Config with { SnapshotName = "" }).ToJson());
        // Go checks the base's snapshot only when the base names one; without a name it diffs from nothing and merges.
        var result = await Backup("s2");
        Assert.True(result.Config.IsIncremental);
        Assert.Equal([0L, 2 * MiB, 4 * MiB], result.Config.Blocks.Select(b => b.Offset));
        Assert.Equal(_source.Image("s2"), await _bs.RestoreToBytesAsync("vol1", result.BackupName));
    }

    private sealed class Synchronous(List<int> reports) : IProgress<int>
    {
        public void Report(int value)
        {
            lock (reports) reports.Add(value);
        }
    }

    /// <summary>The source with one snapshot gone (purged since the last backup).</summary>
    private sealed class Without(ISnapshotSource inner, string gone) : ISnapshotSource
    {
        public long VolumeSize => inner.VolumeSize;
        public ValueTask<bool> HasSnapshotAsync(string name, CancellationToken ct) => name == gone ? ValueTask.FromResult(false) : inner.HasSnapshotAsync(name, ct);
        public ValueTask<ISnapshotReader> OpenSnapshotAsync(string name, CancellationToken ct) => inner.OpenSnapshotAsync(name, ct);
    }

    /// <summary>A source whose diff reports one extent that is not a whole, aligned block.</summary>
    private sealed class OddDiff(ISnapshotSource inner, BlockMapping odd) : ISnapshotSource
    {
        public long VolumeSize => inner.VolumeSize;
        public ValueTask<bool> HasSnapshotAsync(string name, CancellationToken ct) => inner.HasSnapshotAsync(name, ct);

        public async ValueTask<ISnapshotReader> OpenSnapshotAsync(string name, CancellationToken ct) => new Reader(await inner.OpenSnapshotAsync(name, ct), odd);

        private sealed class Reader(ISnapshotReader inner, BlockMapping odd) : ISnapshotReader
        {
            public ValueTask<IReadOnlyList<BlockMapping>> CompareAsync(string? baseName, long blockSize, CancellationToken ct) =>
                ValueTask.FromResult<IReadOnlyList<BlockMapping>>([odd]);

            public ValueTask ReadAsync(long offset, Memory<byte> buffer, CancellationToken ct) => inner.ReadAsync(offset, buffer, ct);
            public ValueTask DisposeAsync() => inner.DisposeAsync();
        }
    }
}
