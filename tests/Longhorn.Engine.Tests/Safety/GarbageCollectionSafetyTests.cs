using Longhorn.Engine.Backups;
using Longhorn.Engine.Format;
using Longhorn.Engine.Tests.Support;

namespace Longhorn.Engine.Tests.Safety;

/// <summary>
/// The rules that stop block GC (spec §6.1): whenever the set of referenced blocks cannot be trusted, a delete removes
/// the cfg and keeps every block, so no block another backup uses is ever lost.
/// </summary>
public sealed class GarbageCollectionSafetyTests : IDisposable
{
    private const int MiB = 1024 * 1024;
    private readonly InterceptingDriver _driver;
    private readonly TestStore _bs;
    private readonly MemorySnapshotSource _source = new(8 * MiB);

    public GarbageCollectionSafetyTests()
    {
        InterceptingDriver? driver = null;
        _bs = new TestStore(d => driver = new InterceptingDriver(d));
        _driver = driver!;
    }

    public void Dispose() => _bs.Dispose();

    /// <summary>b1 holds blocks A (0) and Z (2 MiB); b2 changes 2 MiB to B, so B is referenced by b2 alone.</summary>
    private async Task<(BackupResult B1, BackupResult B2, string OnlyInB2)> TwoBackupsAsync()
    {
        _source.Fill(0, 2 * MiB, 1);
        _source.Fill(2 * MiB, 2 * MiB, 0);
        _source.Snapshot("s1");
        var b1 = await Backup("s1", "backup-first");
        _source.Fill(2 * MiB, 2 * MiB, 2);
        _source.Snapshot("s2");
        var b2 = await Backup("s2", "backup-second");
        var onlyInB2 = b2.Config.Blocks.Select(b => b.BlockChecksum).Except(b1.Config.Blocks.Select(b => b.BlockChecksum)).Single();
        return (b1, b2, onlyInB2);
    }

    private Task<BackupResult> Backup(string snapshot, string name) =>
        _bs.Store.CreateBackupAsync(new BackupRequest { VolumeName = "vol1", SnapshotName = snapshot, BackupName = name }, _source);

    private IReadOnlyList<string> BlockFiles() =>
        _bs.Files().Where(f => f.EndsWith(".blk", StringComparison.Ordinal)).Select(f => Path.GetFileNameWithoutExtension(f)).Order(StringComparer.Ordinal).ToList();

    private async Task AssertEveryBlockKeptAsync(IReadOnlyList<string> before, string backupDeleted, Func<Task<Deletion.BackupDeletionResult>> delete, string reason)
    {
        var result = await delete();
        Assert.Contains(reason, result.GarbageCollectionSkipped);
        Assert.Equal(0, result.RemovedBlockCount);
        Assert.Equal(before, BlockFiles());
        Assert.False(File.Exists(_bs.Local(StorePaths.BackupConfig("vol1", backupDeleted))), "the cfg is removed even when GC is skipped");
    }

    [Fact]
    public async Task An_unreadable_backup_cfg_makes_delete_keep_every_block_and_leave_last_backup_unset()
    {
        var (b1, b2, _) = await TwoBackupsAsync();
        var before = BlockFiles();
        Assert.Equal(3, before.Count);
        await File.WriteAllTextAsync(_bs.Local(StorePaths.BackupConfig("vol1", b1.BackupName)), "{\"Name\":\"backup-first\",\"Blocks\":[{");

        await AssertEveryBlockKeptAsync(before, b2.BackupName, () => _bs.Store.DeleteBackupAsync("vol1", b2.BackupName), $"cannot load backup {b1.BackupName}");
        var volume = VolumeConfig.FromJson(await File.ReadAllBytesAsync(_bs.Local(StorePaths.VolumeConfig("vol1"))));
        Assert.Equal("", volume.LastBackupName);
        Assert.Equal("", volume.LastBackupAt);
        Assert.Equal(3, volume.BlockCount);
    }

    [Fact]
    public async Task An_unreadable_snapshot_time_makes_delete_keep_every_block()
    {
        var (b1, b2, _) = await TwoBackupsAsync();
        var before = BlockFiles();
        var path = _bs.Local(StorePaths.BackupConfig("vol1", b1.BackupName));
        var cfg = BackupConfig.FromJson(await File.ReadAllBytesAsync(path));
        await File.WriteAllBytesAsync(path, (cfg with { SnapshotCreatedAt = "yesterday" }).ToJson());

        await AssertEveryBlockKeptAsync(before, b2.BackupName, () => _bs.Store.DeleteBackupAsync("vol1", b2.BackupName), "unreadable SnapshotCreatedAt yesterday");
        Assert.Equal("", (await _bs.Store.InspectVolumeAsync("vol1")).LastBackupName);
    }

    [Fact]
    public async Task An_in_progress_backup_makes_delete_keep_every_block_even_one_it_has_not_listed_yet()
    {
        var (_, b2, onlyInB2) = await TwoBackupsAsync();
        var before = BlockFiles();
        // Another writer's placeholder: it may already have uploaded B and will list it in its final cfg.
        await _bs.WriteTextAsync(StorePaths.BackupConfig("vol1", "backup-writing"), """{"Name":"backup-writing","VolumeName":"vol1","CreatedTime":""}""");

        await AssertEveryBlockKeptAsync(before, b2.BackupName, () => _bs.Store.DeleteBackupAsync("vol1", b2.BackupName), "backup backup-writing is still in progress");
        Assert.Contains(onlyInB2, BlockFiles());
    }

    [Fact]
    public async Task A_backup_created_while_references_are_counted_keeps_its_blocks()
    {
        var (_, b2, onlyInB2) = await TwoBackupsAsync();
        var before = BlockFiles();
        var b2Cfg = await File.ReadAllBytesAsync(_bs.Local(StorePaths.BackupConfig("vol1", b2.BackupName)));
        var late = BackupConfig.FromJson(b2Cfg) with { Name = "backup-late" };
        var written = false;
        // Another writer completes a backup that reuses B just after the deletion listed the backups.
        _driver.BeforeRead = async path =>
        {
            if (written || !path.EndsWith("backup_backup-first.cfg", StringComparison.Ordinal)) return;
            written = true;
            await _driver.WriteAsync(StorePaths.BackupConfig("vol1", "backup-late"), late.ToJson(), CancellationToken.None);
        };

        await AssertEveryBlockKeptAsync(before, b2.BackupName, () => _bs.Store.DeleteBackupAsync("vol1", b2.BackupName),
            "the backup list changed while references were counted");
        Assert.True(written);
        _driver.BeforeRead = null;
        Assert.Contains(onlyInB2, BlockFiles());
        Assert.Equal(_source.Image("s2"), await _bs.RestoreToBytesAsync("vol1", "backup-late"));
    }

    [Fact]
    public async Task A_backup_removed_while_references_are_counted_also_stops_gc()
    {
        var (b1, b2, _) = await TwoBackupsAsync();
        _source.Fill(4 * MiB, 4096, 3);
        _source.Snapshot("s3");
        var b3 = await Backup("s3", "backup-third");
        var before = BlockFiles();
        var removed = false;
        _driver.BeforeRead = async path =>
        {
            if (removed || !path.EndsWith($"backup_{b3.BackupName}.cfg", StringComparison.Ordinal)) return;
            removed = true;
            await _driver.RemoveAsync(StorePaths.BackupConfig("vol1", b1.BackupName), CancellationToken.None);
        };

        await AssertEveryBlockKeptAsync(before, b2.BackupName, () => _bs.Store.DeleteBackupAsync("vol1", b2.BackupName),
            "the backup list changed while references were counted");
    }

    [Fact]
    public async Task A_block_that_cannot_be_removed_fails_the_delete_naming_it_and_leaves_the_block_count()
    {
        var (b1, b2, onlyInB2) = await TwoBackupsAsync();
        _source.Fill(4 * MiB, 2 * MiB, 4);
        _source.Snapshot("s3");
        var b3 = await Backup("s3", "backup-third");
        var onlyInB3 = b3.Config.Blocks.Select(b => b.BlockChecksum).Except(b2.Config.Blocks.Select(b => b.BlockChecksum)).Single();
        await _bs.Store.DeleteBackupAsync("vol1", b2.BackupName);
        var countBefore = (await _bs.Store.InspectVolumeAsync("vol1")).BlockCount;
        Assert.Equal(4, countBefore);
        Assert.Contains(onlyInB2, BlockFiles()); // b3 still uses B

        _driver.BeforeRemove = path => path.EndsWith(onlyInB2 + ".blk", StringComparison.Ordinal)
            ? throw new BackupStoreException($"injected failure removing {path}")
            : ValueTask.CompletedTask;
        var e = await Assert.ThrowsAsync<BackupStoreException>(() => _bs.Store.DeleteBackupAsync("vol1", b3.BackupName));

        Assert.Equal($"failed to delete blocks of volume vol1: {onlyInB2}", e.Message);
        Assert.DoesNotContain(onlyInB3, BlockFiles());
        Assert.Contains(onlyInB2, BlockFiles());
        Assert.Equal(countBefore, (await _bs.Store.InspectVolumeAsync("vol1")).BlockCount);
        Assert.Equal([b1.BackupName], await _bs.Store.ListBackupNamesAsync("vol1"));
        Assert.Equal(_source.Image("s1"), await _bs.RestoreToBytesAsync("vol1", b1.BackupName));

        // The next delete, with the store answering again, finishes the job.
        _driver.BeforeRemove = null;
        _source.Fill(6 * MiB, 4096, 5);
        _source.Snapshot("s4");
        var b4 = await Backup("s4", "backup-fourth");
        var result = await _bs.Store.DeleteBackupAsync("vol1", b4.BackupName);
        Assert.Null(result.GarbageCollectionSkipped);
        // B left over from the failed delete, and b4's blocks at 4 MiB (uploaded again) and 6 MiB.
        Assert.Equal(3, result.RemovedBlockCount);
        Assert.Equal(b1.Config.Blocks.Select(b => b.BlockChecksum).Order(StringComparer.Ordinal), BlockFiles());
        Assert.Equal(2, (await _bs.Store.InspectVolumeAsync("vol1")).BlockCount);
    }

    [Fact]
    public async Task Gc_removes_exactly_the_unreferenced_blocks_and_counts_them()
    {
        var (b1, b2, onlyInB2) = await TwoBackupsAsync();
        var result = await _bs.Store.DeleteBackupAsync("vol1", b2.BackupName);
        Assert.Null(result.GarbageCollectionSkipped);
        Assert.Equal(1, result.RemovedBlockCount);
        Assert.DoesNotContain(onlyInB2, BlockFiles());
        Assert.Equal(b1.Config.Blocks.Select(b => b.BlockChecksum).Order(StringComparer.Ordinal), BlockFiles());

        var last = await _bs.Store.DeleteBackupAsync("vol1", b1.BackupName);
        Assert.Equal(2, last.RemovedBlockCount);
        Assert.Empty(BlockFiles());
        var volume = await _bs.Store.InspectVolumeAsync("vol1");
        Assert.Equal("", volume.LastBackupName);
        Assert.Equal(0, volume.BlockCount);
    }

    [Fact]
    public async Task Deleting_the_last_backup_makes_the_newest_remaining_snapshot_last_whatever_the_name_order()
    {
        _source.Fill(0, 4096, 1);
        _source.Snapshot("s1");
        var oldest = await Backup("s1", "backup-z-oldest");
        _source.Fill(0, 4096, 2);
        _source.Snapshot("s2");
        var newer = await Backup("s2", "backup-m-newer");
        _source.Fill(0, 4096, 3);
        _source.Snapshot("s3");
        var older = await Backup("s3", "backup-a-last");
        // Make the names' order, the creation order and the snapshot-time order all differ.
        var path = _bs.Local(StorePaths.BackupConfig("vol1", older.BackupName));
        var cfg = BackupConfig.FromJson(await File.ReadAllBytesAsync(path));
        await File.WriteAllBytesAsync(path, (cfg with { SnapshotCreatedAt = "2001-01-01T00:00:00Z" }).ToJson());
        _source.Fill(0, 4096, 4);
        _source.Snapshot("s4");
        var latest = await Backup("s4", "backup-k-latest");

        await _bs.Store.DeleteBackupAsync("vol1", latest.BackupName);
        var volume = await _bs.Store.InspectVolumeAsync("vol1");
        Assert.Equal(newer.BackupName, volume.LastBackupName);
        Assert.Equal(newer.Config.SnapshotCreatedAt, volume.LastBackupAt);
        Assert.True(Timestamps.TryParse(oldest.Config.SnapshotCreatedAt, out var o) && Timestamps.TryParse(newer.Config.SnapshotCreatedAt, out var n) && o < n);
    }

    [Fact]
    public async Task Deleting_a_backup_other_than_the_last_leaves_last_backup_as_it_was()
    {
        var (b1, b2, _) = await TwoBackupsAsync();
        await _bs.Store.DeleteBackupAsync("vol1", b1.BackupName);
        var volume = await _bs.Store.InspectVolumeAsync("vol1");
        Assert.Equal(b2.BackupName, volume.LastBackupName);
        Assert.Equal(b2.Config.SnapshotCreatedAt, volume.LastBackupAt);
        Assert.Equal(_source.Image("s2"), await _bs.RestoreToBytesAsync("vol1", b2.BackupName));
    }

    [Fact]
    public async Task A_backup_folder_without_volume_cfg_loses_the_cfg_but_no_block()
    {
        var (_, b2, _) = await TwoBackupsAsync();
        var before = BlockFiles();
        File.Delete(_bs.Local(StorePaths.VolumeConfig("vol1")));
        await AssertEveryBlockKeptAsync(before, b2.BackupName, () => _bs.Store.DeleteBackupAsync("vol1", b2.BackupName),
            $"cannot find {StorePaths.VolumeConfig("vol1")} in backupstore");
        Assert.False(File.Exists(_bs.Local(StorePaths.VolumeConfig("vol1"))), "delete does not invent a volume.cfg");
    }

    [Fact]
    public async Task Deleting_a_volume_takes_a_deletion_lock_and_removes_everything_of_it()
    {
        await TwoBackupsAsync();
        var removed = new List<string>();
        var locksSeen = 0;
        _driver.BeforeRemove = path =>
        {
            removed.Add(path);
            if (path == StorePaths.BackupsDirectory("vol1"))
                locksSeen = Directory.GetFiles(_bs.Local(StorePaths.LocksDirectory("vol1"))).Length;
            return ValueTask.CompletedTask;
        };
        Assert.True(await _bs.Store.DeleteVolumeAsync("vol1"));
        Assert.Equal(1, locksSeen);
        Assert.Equal([StorePaths.BackupsDirectory("vol1"), StorePaths.BlocksDirectory("vol1"), StorePaths.LocksDirectory("vol1"), StorePaths.Volume("vol1")],
            removed.Take(4));
        Assert.Empty(_bs.Files());
    }

    [Fact]
    public async Task Every_remaining_backup_is_counted_however_many_there_are_beyond_the_cfgs_read_ahead()
    {
        // 14 backups, each changing the block at 2 MiB to a content of its own; cfgs are read eight at a time, so the
        // blocks of the later backups are counted only if reading goes on past the first eight.
        var backups = new List<BackupResult>();
        _source.Fill(0, 2 * MiB, 1);
        for (var i = 0; i < 14; i++)
        {
            _source.Fill(2 * MiB, 2 * MiB, (byte)(10 + i));
            _source.Snapshot($"s{i}");
            backups.Add(await Backup($"s{i}", $"backup-{i:d2}"));
        }
        var own = backups.Select(b => b.Config.Blocks.Single(x => x.Offset == 2 * MiB).BlockChecksum).ToList();

        var result = await _bs.Store.DeleteBackupAsync("vol1", backups[3].BackupName);

        Assert.Null(result.GarbageCollectionSkipped);
        Assert.Equal(1, result.RemovedBlockCount);
        Assert.Equal(own.Where((_, i) => i != 3).Append(backups[0].Config.Blocks[0].BlockChecksum).Order(StringComparer.Ordinal), BlockFiles());
        foreach (var backup in backups.Where((_, i) => i != 3))
            Assert.Equal(_source.Image($"s{backups.IndexOf(backup)}"), await _bs.RestoreToBytesAsync("vol1", backup.BackupName));
    }

    private async Task<BackupResult> ThirdBackupAsync()
    {
        _source.Fill(4 * MiB, 2 * MiB, 4);
        _source.Fill(6 * MiB, 2 * MiB, 5);
        _source.Snapshot("s3");
        return await Backup("s3", "backup-third");
    }

    private async Task SetSnapshotTimeAsync(BackupResult backup, string snapshotCreatedAt)
    {
        var path = _bs.Local(StorePaths.BackupConfig("vol1", backup.BackupName));
        var cfg = BackupConfig.FromJson(await File.ReadAllBytesAsync(path));
        await File.WriteAllBytesAsync(path, (cfg with { SnapshotCreatedAt = snapshotCreatedAt }).ToJson());
    }

    [Fact]
    public async Task The_first_untrusted_backup_in_list_order_ends_the_count_and_gives_its_reason()
    {
        // Cfgs are read a few ahead of the count, so b2's is read too; the count still stops at b1, the first in order.
        var (b1, b2, _) = await TwoBackupsAsync();
        var b3 = await ThirdBackupAsync();
        var before = BlockFiles();
        await File.WriteAllTextAsync(_bs.Local(StorePaths.BackupConfig("vol1", b1.BackupName)), "{\"Name\":");
        await SetSnapshotTimeAsync(b2, "yesterday");

        await AssertEveryBlockKeptAsync(before, b3.BackupName, () => _bs.Store.DeleteBackupAsync("vol1", b3.BackupName), $"cannot load backup {b1.BackupName}");
    }

    [Fact]
    public async Task Of_remaining_backups_with_one_snapshot_time_the_first_by_name_becomes_last()
    {
        var (b1, b2, _) = await TwoBackupsAsync();
        var b3 = await ThirdBackupAsync();
        await SetSnapshotTimeAsync(b1, b2.Config.SnapshotCreatedAt);

        await _bs.Store.DeleteBackupAsync("vol1", b3.BackupName);
        var volume = await _bs.Store.InspectVolumeAsync("vol1");
        Assert.Equal(b1.BackupName, volume.LastBackupName);
        Assert.Equal(b2.Config.SnapshotCreatedAt, volume.LastBackupAt);
    }

    [Fact]
    public async Task Deleting_another_backup_leaves_last_backup_even_when_a_remaining_one_is_newer()
    {
        var (b1, b2, _) = await TwoBackupsAsync();
        var b3 = await ThirdBackupAsync();
        await SetSnapshotTimeAsync(b1, "2099-01-01T00:00:00Z");

        var result = await _bs.Store.DeleteBackupAsync("vol1", b2.BackupName);
        Assert.Null(result.GarbageCollectionSkipped);
        var volume = await _bs.Store.InspectVolumeAsync("vol1");
        Assert.Equal(b3.BackupName, volume.LastBackupName);
        Assert.Equal(b3.Config.SnapshotCreatedAt, volume.LastBackupAt);
    }

    [Fact]
    public async Task Every_block_that_cannot_be_removed_is_named_in_the_error()
    {
        var (_, b2, _) = await TwoBackupsAsync();
        var b3 = await ThirdBackupAsync();
        var onlyInB3 = b3.Config.Blocks.Select(b => b.BlockChecksum).Except(b2.Config.Blocks.Select(b => b.BlockChecksum)).Order(StringComparer.Ordinal).ToList();
        Assert.Equal(2, onlyInB3.Count);
        // The later id fails first: the error still names them in id order.
        var laterFailed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        _driver.BeforeRemove = async path =>
        {
            if (!path.EndsWith(".blk", StringComparison.Ordinal)) return;
            if (path.Contains(onlyInB3[0], StringComparison.Ordinal)) await laterFailed.Task.WaitAsync(Eventually.HangLimit);
            else laterFailed.TrySetResult();
            throw new BackupStoreException($"injected failure removing {path}");
        };

        var e = await Assert.ThrowsAsync<BackupStoreException>(() => _bs.Store.DeleteBackupAsync("vol1", b3.BackupName));
        const string prefix = "failed to delete blocks of volume vol1: ";
        Assert.StartsWith(prefix, e.Message);
        // Named in id order, whatever order the removals failed in.
        Assert.Equal(onlyInB3, e.Message[prefix.Length..].Split(", "));
    }

    [Fact]
    public async Task Block_removal_refuses_a_reference_count_that_cannot_be_trusted()
    {
        await TwoBackupsAsync();
        var before = BlockFiles();
        await _bs.WriteTextAsync(StorePaths.BackupConfig("vol1", "backup-writing"), """{"Name":"backup-writing","VolumeName":"vol1","CreatedTime":""}""");
        var collection = new Deletion.BlockGarbageCollection(_bs.Driver, Microsoft.Extensions.Logging.Abstractions.NullLogger.Instance);

        var count = await collection.CountAsync("vol1", CancellationToken.None);

        Assert.Equal("backup backup-writing is still in progress", count.Distrust);
        var e = await Assert.ThrowsAsync<InvalidOperationException>(() => collection.RemoveUnreferencedAsync("vol1", count, CancellationToken.None));
        Assert.Equal("block GC of volume vol1 must not run: backup backup-writing is still in progress", e.Message);
        Assert.Equal(before, BlockFiles());
    }

    [Fact]
    public async Task A_volume_delete_with_an_invalid_name_is_refused_before_the_store_is_touched()
    {
        await TwoBackupsAsync();
        var contents = _bs.Contents();
        var e = await Assert.ThrowsAsync<BackupStoreArgumentException>(() => _bs.Store.DeleteVolumeAsync("../vol1"));
        Assert.Equal("invalid volume name ../vol1: must match ^[a-zA-Z0-9][a-zA-Z0-9_.-]+$", e.Message);
        Assert.Equal(contents, _bs.Contents());
    }
}
