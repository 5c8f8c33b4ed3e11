using Longhorn.Engine.Backups;
using Longhorn.Engine.Blocks;
using Longhorn.Engine.Format;
using Longhorn.Engine.Locks;
using Longhorn.Engine.Store;
using Longhorn.Engine.Tests.Support;

namespace Longhorn.Engine.Tests.Safety;

/// <summary>
/// A backup works while its lock settles (spec §6.3's 2 s) and writes no cfg until the lock is confirmed; every block it
/// found present or uploaded before then is provisional and confirmed once the lock is held. The clock is the test's:
/// nothing here waits on real time.
/// </summary>
public sealed class SettleOverlapTests : IDisposable
{
    private const int MiB = 1024 * 1024;
    private readonly TempDirectory _dir = new();
    private readonly ManualClock _clock = new(DateTimeOffset.UtcNow);
    private readonly IBackupStoreDriver _files;
    private readonly InterceptingDriver _driver;
    private readonly MemorySnapshotSource _source = new(8 * MiB);

    public SettleOverlapTests()
    {
        Directory.CreateDirectory(_dir.Combine("bs"));
        _files = new BackupStoreDrivers().Create("vfs://" + _dir.Combine("bs"));
        _driver = new InterceptingDriver(_files, _clock);
    }

    public void Dispose() => _dir.Dispose();

    private string StoreFile(string path) => Path.Combine(_dir.Combine("bs"), path);

    private BackupStore Host(TimeSpan? settle = null, IStoreFileJournal? journal = null) =>
        new(_driver, new BackupStoreOptions { Locks = new LockOptions { SettleTime = settle ?? TimeSpan.FromSeconds(2), FileJournal = journal } }, _clock);

    private Task<BackupResult> Backup(string snapshot, IProgress<int>? progress = null) =>
        Host().CreateBackupAsync(new BackupRequest { VolumeName = "vol1", SnapshotName = snapshot }, _source, progress);

    private IReadOnlyList<string> BlockFiles() =>
        Directory.Exists(StoreFile(StorePaths.BlocksDirectory("vol1")))
            ? Directory.GetFiles(StoreFile(StorePaths.BlocksDirectory("vol1")), "*.blk", SearchOption.AllDirectories) : [];

    private IReadOnlyList<string> BackupConfigs() =>
        Directory.Exists(StoreFile(StorePaths.BackupsDirectory("vol1")))
            ? Directory.GetFiles(StoreFile(StorePaths.BackupsDirectory("vol1"))) : [];

    private IReadOnlyList<string> LockFiles() =>
        Directory.Exists(StoreFile(StorePaths.LocksDirectory("vol1")))
            ? Directory.GetFiles(StoreFile(StorePaths.LocksDirectory("vol1"))).Select(f => Path.GetFileName(f)).ToList() : [];

    private static string BlockOf(byte value)
    {
        var block = new byte[2 * MiB];
        Array.Fill(block, value);
        return BlockId.Compute(block);
    }

    /// <summary>Records the last progress without a synchronization context in the way.</summary>
    private sealed class LastProgress : IProgress<int>
    {
        private int _value;
        public int Value => Volatile.Read(ref _value);
        public void Report(int value) => Volatile.Write(ref _value, value);
    }

    [Fact]
    public async Task The_blocks_are_uploaded_while_the_lock_settles_and_no_cfg_is_written_before_it_is_confirmed()
    {
        _source.Fill(0, 6 * MiB, 7);
        _source.Fill(6 * MiB, MiB, 8);
        _source.Snapshot("s1");
        var progress = new LastProgress();

        var backup = Backup("s1", progress);
        await Eventually.HoldsAsync(() => progress.Value >= 95, "every block to be processed during the settle");

        Assert.False(backup.IsCompleted);
        Assert.Equal(1, _clock.PendingDelays);
        Assert.Equal(2, BlockFiles().Count);
        // Nothing references them yet: no volume.cfg, no placeholder, no backup cfg.
        Assert.False(File.Exists(StoreFile(StorePaths.VolumeConfig("vol1"))));
        Assert.Empty(BackupConfigs());

        _clock.Advance(TimeSpan.FromSeconds(2));
        var result = await backup;
        Assert.Equal(4, result.Config.Blocks.Count);
        Assert.Equal(2, result.NewBlockCount);
        Assert.Empty(LockFiles());
    }

    [Fact]
    public async Task A_deleter_with_priority_that_collects_blocks_during_the_settle_makes_the_backup_fail_never_miss_blocks()
    {
        // vol1 holds two backups: "keep" (blocks of 1s) and "doomed" (blocks of 2s), the volume's last.
        _source.Fill(0, 2 * MiB, 1);
        _source.Snapshot("s-keep");
        var keep = await new BackupStore(_files, new BackupStoreOptions(), new ImmediateTimeProvider())
            .CreateBackupAsync(new BackupRequest { VolumeName = "vol1", SnapshotName = "s-keep", FullBackup = true }, _source);
        _source.Fill(0, 2 * MiB, 2);
        _source.Snapshot("s-doomed");
        var doomed = await new BackupStore(_files, new BackupStoreOptions(), new ImmediateTimeProvider())
            .CreateBackupAsync(new BackupRequest { VolumeName = "vol1", SnapshotName = "s-doomed" }, _source);
        // The new snapshot shares the doomed backup's block and adds one; its base's snapshot is gone, so it is
        // compared in full and finds the shared block already in the store.
        _source.Fill(2 * MiB, 2 * MiB, 3);
        _source.Snapshot("s-new");
        _source.DeleteSnapshot("s-doomed");

        // The deleter writes its lock first (older: it has priority) and settles for 1 s; the backup for 2 s.
        var deletion = Host(TimeSpan.FromSeconds(1)).DeleteBackupAsync("vol1", doomed.BackupName);
        await Eventually.HoldsAsync(() => _clock.PendingDelays == 1, "the deleter to settle");
        _clock.Advance(TimeSpan.FromMilliseconds(100));
        var progress = new LastProgress();
        var backup = Backup("s-new", progress);
        await Eventually.HoldsAsync(() => progress.Value >= 95 && _clock.PendingDelays == 2, "the backup to decide every block while settling");
        Assert.Contains(BlockFiles(), f => Path.GetFileName(f) == BlockOf(2) + ".blk");

        // The deleter's settle ends: the backup's lock is newer and not acquired, so the delete goes on and its GC
        // removes both the shared block and the one the backup uploaded, which no cfg references yet.
        _clock.Advance(TimeSpan.FromSeconds(1));
        await deletion;
        Assert.DoesNotContain(BlockFiles(), f => Path.GetFileName(f) == BlockOf(2) + ".blk");
        Assert.DoesNotContain(BlockFiles(), f => Path.GetFileName(f) == BlockOf(3) + ".blk");

        // The deleter is gone when the backup's lock is confirmed; the provisional blocks are not there: it fails.
        _clock.Advance(TimeSpan.FromSeconds(1));
        var e = await Assert.ThrowsAsync<BackupStoreException>(() => backup);
        Assert.Matches("^2 blocks of backup backup-[0-9a-f]{16} of volume vol1 that were present or uploaded while its lock settled were " +
                       $"removed by a deletion meanwhile \\(block ({BlockOf(2)}|{BlockOf(3)}) first\\); the backup failed before referencing them, try it again$", e.Message);

        // Nothing in the store references a missing block, the kept backup restores, no lock is left.
        var left = Assert.Single(BackupConfigs());
        Assert.EndsWith($"backup_{keep.BackupName}.cfg", left);
        var blocks = BlockFiles().Select(Path.GetFileNameWithoutExtension).ToHashSet();
        var kept = await StoreConfigs.LoadBackupAsync(_files, "vol1", keep.BackupName, CancellationToken.None);
        Assert.All(kept.Blocks, b => Assert.Contains(b.BlockChecksum, blocks));
        Assert.Empty(LockFiles());
    }

    [Fact]
    public async Task A_lock_lost_at_the_end_of_the_settle_fails_the_backup_with_the_locks_error_and_writes_no_cfg()
    {
        await using var deleter = await SnapshotWithADeleterHoldingTheLockAsync();
        var progress = new LastProgress();
        var backup = Backup("s1", progress);
        await Eventually.HoldsAsync(() => progress.Value >= 95 && _clock.PendingDelays == 1, "the backup to settle");

        _clock.Advance(TimeSpan.FromSeconds(2));
        var e = await Assert.ThrowsAsync<BackupStoreLockException>(() => backup);
        Assert.EndsWith("please try again later", e.Message);
        Assert.Empty(BackupConfigs());
        Assert.False(File.Exists(StoreFile(StorePaths.VolumeConfig("vol1"))));
        Assert.Equal([deleter.File.Name + ".lck"], LockFiles());
    }

    [Fact]
    public async Task A_base_backup_deleted_while_the_lock_settles_fails_the_backup_before_any_cfg_is_written()
    {
        _source.Fill(0, 2 * MiB, 1);
        _source.Snapshot("s1");
        var first = await new BackupStore(_files, new BackupStoreOptions(), new ImmediateTimeProvider())
            .CreateBackupAsync(new BackupRequest { VolumeName = "vol1", SnapshotName = "s1" }, _source);
        _source.Fill(2 * MiB, 2 * MiB, 2);
        _source.Snapshot("s2");
        var progress = new LastProgress();
        var backup = Backup("s2", progress);
        await Eventually.HoldsAsync(() => progress.Value >= 95 && _clock.PendingDelays == 1, "the backup to settle on its base");

        // The base goes while the lock settles, as a deleter that finished before this lock was confirmed would leave it.
        File.Delete(StoreFile(StorePaths.BackupConfig("vol1", first.BackupName)));
        _clock.Advance(TimeSpan.FromSeconds(2));

        var e = await Assert.ThrowsAsync<BackupStoreException>(() => backup);
        Assert.Contains($"backup {first.BackupName}, the base of backup", e.Message);
        Assert.Contains("was deleted while the lock settled", e.Message);
        Assert.Empty(BackupConfigs());
    }

    [Fact]
    public async Task A_volume_that_changes_its_compression_while_the_lock_settles_fails_the_backup_before_any_cfg_is_written()
    {
        _source.Fill(0, 4 * MiB, 4);
        _source.Snapshot("s1");
        var progress = new LastProgress();
        var backup = Backup("s1", progress);
        await Eventually.HoldsAsync(() => progress.Value >= 95 && _clock.PendingDelays == 1, "the backup to settle");

        // Another writer creates the volume meanwhile with gzip; this backup compressed its blocks with lz4.
        var gzip = new VolumeConfig { Name = "vol1", Size = 8 * MiB, CompressionMethod = "gzip", CreatedTime = Timestamps.Format(_clock.GetUtcNow()) };
        await StoreConfigs.SaveVolumeAsync(_files, gzip, CancellationToken.None);
        var written = await File.ReadAllBytesAsync(StoreFile(StorePaths.VolumeConfig("vol1")));
        _clock.Advance(TimeSpan.FromSeconds(2));

        var e = await Assert.ThrowsAsync<BackupStoreException>(() => backup);
        Assert.Matches(@"^volume vol1 changed its compression method while the lock of backup backup-[0-9a-f]{16} settled; try the backup again$", e.Message);
        Assert.Empty(BackupConfigs());
        Assert.Equal(written, await File.ReadAllBytesAsync(StoreFile(StorePaths.VolumeConfig("vol1"))));
        Assert.Empty(LockFiles());
    }

    [Fact]
    public async Task A_lock_lost_while_blocks_are_being_read_stops_the_reading_at_once_and_fails_with_the_locks_error()
    {
        await using var deleter = await SnapshotWithADeleterHoldingTheLockAsync();
        var gated = new GatedSnapshotSource(_source);
        var backup = Host().CreateBackupAsync(new BackupRequest { VolumeName = "vol1", SnapshotName = "s1" }, gated);
        await gated.Entered.WaitAsync(Eventually.HangLimit);
        await Eventually.HoldsAsync(() => _clock.PendingDelays == 1, "the backup to settle");

        // The read never ends by itself: only the lost lock's cancellation ends it.
        _clock.Advance(TimeSpan.FromSeconds(2));
        var e = await Assert.ThrowsAsync<BackupStoreLockException>(() => backup.WaitAsync(Eventually.HangLimit));
        Assert.EndsWith("please try again later", e.Message);
        Assert.Empty(BlockFiles());
        Assert.Equal([deleter.File.Name + ".lck"], LockFiles());
    }

    [Fact]
    public async Task A_block_that_fails_to_upload_while_the_lock_settles_fails_the_backup_at_once_without_waiting_for_the_settle()
    {
        _source.Fill(0, 4 * MiB, 6);
        _source.Snapshot("s1");
        _driver.BeforeWrite = path => path.StartsWith(StorePaths.BlocksDirectory("vol1"), StringComparison.Ordinal)
            ? throw new BackupStoreException("store full")
            : ValueTask.CompletedTask;

        var journal = new RecordingJournal(_dir.Combine("bs"));

        // The clock never moves: the settle cannot end, so the failure must not wait for it.
        var e = await Assert.ThrowsAsync<BackupStoreException>(() => Host(journal: journal)
            .CreateBackupAsync(new BackupRequest { VolumeName = "vol1", SnapshotName = "s1", BackupName = "backup-failed" }, _source)
            .WaitAsync(Eventually.HangLimit));

        Assert.Equal("store full", e.Message);
        Assert.Empty(BackupConfigs());
        Assert.Empty(LockFiles());
        Assert.Equal(0, _clock.PendingDelays);
        // No placeholder was written, so none was recorded or forgotten: only the lock was.
        var cfg = StorePaths.BackupConfig("vol1", "backup-failed");
        Assert.DoesNotContain(journal.Written, w => w.Path == cfg);
        Assert.DoesNotContain(cfg, journal.Gone);
        Assert.Single(journal.Written);
    }

    [Fact]
    public async Task A_backup_refused_before_its_work_starts_ends_at_once_and_removes_its_lock_without_waiting_for_the_settle()
    {
        var e = await Assert.ThrowsAsync<BackupStoreNotFoundException>(() => Backup("s-missing").WaitAsync(Eventually.HangLimit));

        Assert.Equal("snapshot s-missing of volume vol1 not found", e.Message);
        Assert.Empty(LockFiles());
        Assert.Equal(0, _clock.PendingDelays);
    }

    [Fact]
    public async Task A_store_that_cancels_a_write_on_its_own_fails_the_backup_with_its_message_and_leaves_no_cfg_or_lock()
    {
        _source.Fill(0, 4 * MiB, 7);
        _source.Snapshot("s1");
        // An HTTP client's timeout is an OperationCanceledException the caller did not ask for; it comes after the lock is held.
        _driver.BeforeWrite = path => path.StartsWith(StorePaths.BlocksDirectory("vol1"), StringComparison.Ordinal) && _clock.PendingDelays == 0
            ? throw new TaskCanceledException("the request timed out")
            : ValueTask.CompletedTask;
        var gated = new GatedSnapshotSource(_source);
        var backup = Host().CreateBackupAsync(new BackupRequest { VolumeName = "vol1", SnapshotName = "s1" }, gated);
        await gated.Entered.WaitAsync(Eventually.HangLimit);
        await Eventually.HoldsAsync(() => _clock.PendingDelays == 1, "the backup to settle");
        _clock.Advance(TimeSpan.FromSeconds(2));
        await Eventually.HoldsAsync(() => _clock.PendingDelays == 0 && BackupConfigs().Count == 1, "the lock to be confirmed and the placeholder written");
        gated.Open();

        // Not reported as a cancellation nobody asked for ("A task was canceled."): a failure with the store's message.
        var failure = await Assert.ThrowsAsync<BackupStoreException>(() => backup.WaitAsync(Eventually.HangLimit));
        Assert.Equal("the request timed out", failure.Message);
        Assert.Empty(BackupConfigs());
        Assert.Empty(LockFiles());
    }

    [Fact]
    public void Merging_a_delta_over_its_base_keeps_every_offset_once_and_the_delta_wins_at_equal_offsets()
    {
        var merged = DeltaBackup.Merge(
            [new BackupBlock(0, "a"), new BackupBlock(2, "b"), new BackupBlock(6, "f")],
            [new BackupBlock(2, "c"), new BackupBlock(4, "d"), new BackupBlock(8, "g")]);

        Assert.Equal([(0L, "a"), (2L, "c"), (4L, "d"), (6L, "f"), (8L, "g")], merged.Select(b => (b.Offset, b.BlockChecksum)));
    }

    /// <summary>Snapshot s1 holding 4 MiB of data, and a deleter whose lock on vol1 has settled.</summary>
    private async Task<BackupStoreLock> SnapshotWithADeleterHoldingTheLockAsync()
    {
        _source.Fill(0, 4 * MiB, 5);
        _source.Snapshot("s1");
        return await Settled(BackupStoreLock.AcquireAsync(_driver, "vol1", LockType.Deletion, new LockOptions(), _clock,
            Microsoft.Extensions.Logging.Abstractions.NullLogger.Instance, CancellationToken.None));
    }

    private async Task<T> Settled<T>(Task<T> operation)
    {
        await Eventually.HoldsAsync(() => operation.IsCompleted || _clock.PendingDelays > 0, "the operation to settle its lock");
        if (!operation.IsCompleted) _clock.Advance(TimeSpan.FromSeconds(2));
        return await operation;
    }
}
