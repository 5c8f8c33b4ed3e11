using Longhorn.Engine.Backups;
using Longhorn.Engine.Blocks;
using Longhorn.Engine.Format;
using Longhorn.Engine.Restores;
using Longhorn.Engine.Tests.Support;

namespace Longhorn.Engine.Tests.Safety;

/// <summary>
/// The engine never resumes on its caller's SynchronizationContext: every await in it gives the captured context up,
/// so a caller on a UI thread or a classic ASP.NET request cannot deadlock it or be flooded with its block work.
/// The store, the snapshot and the restore target complete every call later, so each await really suspends.
/// </summary>
public sealed class CallerContextTests : IDisposable
{
    private const int MiB = 1024 * 1024;
    private readonly TestStore _bs = new(d => LaterDriver.Over(d));
    private readonly MemorySnapshotSource _memory = new(8 * MiB);
    private readonly LaterSnapshotSource _source;
    private readonly CallerContext _caller = new();

    public CallerContextTests() => _source = new LaterSnapshotSource(_memory);

    public void Dispose() => _bs.Dispose();

    private Task<BackupResult> BackupAsync(string snapshot, string name, bool full = false) =>
        _bs.Store.CreateBackupAsync(new BackupRequest { VolumeName = "vol1", SnapshotName = snapshot, BackupName = name, FullBackup = full }, _source);

    private async Task<(BackupResult First, BackupResult Second)> TwoBackupsAsync()
    {
        _memory.Fill(0, 2 * MiB, 1);
        _memory.Fill(2 * MiB, 2 * MiB, 2);
        _memory.Snapshot("s1");
        var first = await BackupAsync("s1", "backup-first");
        _memory.Fill(2 * MiB, 2 * MiB, 3);
        _memory.Snapshot("s2");
        var second = await BackupAsync("s2", "backup-second");
        return (first, second);
    }

    [Fact]
    public async Task A_full_then_an_incremental_backup_never_resume_on_the_callers_context()
    {
        _memory.Fill(0, 2 * MiB, 1);
        _memory.Fill(4 * MiB, 2 * MiB, 2);
        _memory.Snapshot("s1");
        var first = await _caller.RunAsync(() => BackupAsync("s1", "backup-first"));
        _memory.Fill(4 * MiB, 2 * MiB, 3);
        _memory.Snapshot("s2");
        var second = await _caller.RunAsync(() => BackupAsync("s2", "backup-second"));
        var full = await _caller.RunAsync(() => BackupAsync("s2", "backup-full", full: true));

        Assert.Equal(0, _caller.Posts);
        Assert.False(first.Config.IsIncremental);
        Assert.True(second.Config.IsIncremental);
        Assert.Equal(_memory.Image("s2"), await _bs.RestoreToBytesAsync("vol1", second.BackupName));
        Assert.Equal(_memory.Image("s2"), await _bs.RestoreToBytesAsync("vol1", full.BackupName));
    }

    [Fact]
    public async Task A_full_and_an_incremental_restore_never_resume_on_the_callers_context()
    {
        var (first, second) = await TwoBackupsAsync();
        var path = _bs.Scratch("restored.img");
        using (var file = new FileRestoreTarget(path))
        {
            var target = new LaterTarget(file);
            await _caller.RunAsync(() => _bs.Store.RestoreAsync("vol1", first.BackupName, target));
            Assert.Equal(_memory.Image("s1"), await File.ReadAllBytesAsync(path));
        }
        // An incremental restore from the first backup writes the block the second one changed and zero-fills the one
        // it no longer lists (its cfg is trimmed by hand).
        var cfgPath = StorePaths.BackupConfig("vol1", second.BackupName);
        var cfg = BackupConfig.FromJson(await _bs.ReadBytesAsync(cfgPath));
        await _bs.Driver.WriteAsync(cfgPath, (cfg with { Blocks = cfg.Blocks.Where(b => b.Offset != 0).ToList() }).ToJson(), default);
        var recording = new RecordingTarget();
        await _caller.RunAsync(() => _bs.Store.RestoreIncrementallyAsync("vol1", second.BackupName, first.BackupName, new LaterTarget(recording)));
        Assert.Equal(0, _caller.Posts);
        var (offset, data) = Assert.Single(recording.Writes);
        Assert.Equal(2 * MiB, offset);
        Assert.Equal(_memory.Image("s2")[(2 * MiB)..(4 * MiB)], data);
        Assert.Equal([(0L, 2L * MiB)], recording.Zeros);
    }

    [Fact]
    public async Task Deleting_a_backup_with_gc_and_then_the_volume_never_resume_on_the_callers_context()
    {
        var (_, second) = await TwoBackupsAsync();
        var result = await _caller.RunAsync(() => _bs.Store.DeleteBackupAsync("vol1", second.BackupName));
        Assert.Null(result.GarbageCollectionSkipped);
        Assert.Equal(1, result.RemovedBlockCount);
        Assert.True(await _caller.RunAsync(() => _bs.Store.DeleteVolumeAsync("vol1")));

        Assert.Equal(0, _caller.Posts);
        Assert.Empty(_bs.Files());
    }

    [Fact]
    public async Task A_store_check_with_prune_never_resumes_on_the_callers_context()
    {
        await TwoBackupsAsync();
        var orphan = BlockId.Compute(new byte[2 * MiB].Select((_, i) => (byte)i).ToArray());
        await _bs.Driver.WriteAsync(StorePaths.Block("vol1", orphan), new byte[] { 1 }, default);

        var report = await _caller.RunAsync(() => _bs.Store.CheckAsync(new Longhorn.Engine.Checks.StoreCheckRequest { Prune = true }));

        Assert.Equal(0, _caller.Posts);
        Assert.Equal([new Longhorn.Engine.Checks.PruneOutcome("vol1", 1, null)], report.Pruned);
        Assert.False(await _bs.Driver.FileExistsAsync(StorePaths.Block("vol1", orphan), default));
    }

    [Fact]
    public async Task The_restore_file_target_never_resumes_on_the_callers_context()
    {
        var path = _bs.Scratch("zeros.img");
        using var target = new FileRestoreTarget(path);
        await target.PrepareAsync(4 * MiB, CancellationToken.None);
        await target.WriteAsync(0, Enumerable.Repeat((byte)7, 4 * MiB).ToArray(), CancellationToken.None);
        await _caller.RunAsync(async () =>
        {
            await target.FillZerosAsync(MiB, 2 * MiB, CancellationToken.None);
            return true;
        });
        target.Dispose();

        Assert.Equal(0, _caller.Posts);
        var image = await File.ReadAllBytesAsync(path);
        Assert.True(image.AsSpan(MiB, 2 * MiB).IndexOfAnyExcept((byte)0) < 0);
        Assert.Equal(7, image[3 * MiB]);
    }

    [Fact]
    public async Task A_delete_refused_by_a_held_lock_never_resumes_on_the_callers_context()
    {
        var (_, second) = await TwoBackupsAsync();
        var holder = StorePaths.Lock("vol1", "lock-000000000000400e");
        await _bs.Driver.WriteAsync(holder, new Locks.LockFile("lock-000000000000400e", Locks.LockType.BackupOrRestore, true).ToJson(), default);

        await Assert.ThrowsAsync<BackupStoreLockException>(() => _caller.RunAsync(() => _bs.Store.DeleteBackupAsync("vol1", second.BackupName)));

        Assert.Equal(0, _caller.Posts);
        Assert.Equal([holder], (await _bs.ObjectsAsync(StorePaths.LocksDirectory("vol1"))).ToList());
    }

    [Fact]
    public async Task A_backup_whose_base_left_the_chain_falls_back_to_full_without_resuming_on_the_callers_context()
    {
        _memory.Fill(0, 2 * MiB, 1);
        _memory.Snapshot("s1");
        await BackupAsync("s1", "backup-first");
        _memory.Fill(2 * MiB, 2 * MiB, 2);
        _memory.Snapshot("s2");
        var source = new LaterSnapshotSource(new ChainWithoutBase(_memory));
        var full = await _caller.RunAsync(() => _bs.Store.CreateBackupAsync(
            new BackupRequest { VolumeName = "vol1", SnapshotName = "s2", BackupName = "backup-second" }, source));

        Assert.Equal(0, _caller.Posts);
        Assert.False(full.Config.IsIncremental);
        Assert.Equal(_memory.Image("s2"), await _bs.RestoreToBytesAsync("vol1", full.BackupName));
    }

    [Fact]
    public async Task A_failed_backup_removes_its_placeholder_without_resuming_on_the_callers_context()
    {
        InterceptingDriver? failing = null;
        using var bs = new TestStore(d => new LaterDriver(failing = new InterceptingDriver(d)));
        failing!.BeforeWrite = path => path.StartsWith(StorePaths.BlocksDirectory("vol1"), StringComparison.Ordinal)
            ? throw new BackupStoreException("store full")
            : ValueTask.CompletedTask;
        _memory.Fill(0, 2 * MiB, 1);
        _memory.Snapshot("s1");

        var e = await Assert.ThrowsAsync<BackupStoreException>(() => _caller.RunAsync(() => bs.Store.CreateBackupAsync(
            new BackupRequest { VolumeName = "vol1", SnapshotName = "s1", BackupName = "backup-failed" }, _source)));

        Assert.Equal("store full", e.Message);
        Assert.Equal(0, _caller.Posts);
        Assert.False(await bs.Driver.FileExistsAsync(StorePaths.BackupConfig("vol1", "backup-failed"), default));
    }
}
