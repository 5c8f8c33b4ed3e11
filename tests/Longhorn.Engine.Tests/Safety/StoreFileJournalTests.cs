using Longhorn.Engine.Format;
using Longhorn.Engine.Locks;
using Longhorn.Engine.Store;
using Longhorn.Engine.Tests.Support;
using Microsoft.Extensions.Logging.Abstractions;

namespace Longhorn.Engine.Tests.Safety;

/// <summary>
/// The engine tells a store-file journal of each lock and temp file before the file can exist and once it is gone, so a
/// killed writer's next start can remove exactly its own files.
/// </summary>
public sealed class StoreFileJournalTests : IDisposable
{
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    [Fact]
    public async Task A_temp_file_is_recorded_before_it_exists_and_forgotten_once_renamed_into_place()
    {
        var root = _dir.Combine("bs");
        var journal = new RecordingJournal(root);
        var driver = new BackupStoreDrivers(new BackupStoreDriverOptions { FileJournal = journal }).Create("vfs://" + root);

        await driver.WriteAsync("backupstore/volumes/a/b.cfg", "{}"u8.ToArray(), CancellationToken.None);
        var local = _dir.Combine("bs-upload");
        await File.WriteAllBytesAsync(local, [1, 2, 3]);
        await driver.UploadAsync(local, "backupstore/system-backups/x.zip", CancellationToken.None);

        Assert.Collection(journal.Written,
            w => Assert.Matches(@"^backupstore/volumes/a/b\.cfg\.tmp\.\d+$", w.Path),
            w => Assert.Matches(@"^backupstore/system-backups/x\.zip\.tmp\.\d+$", w.Path));
        Assert.All(journal.Written, w => Assert.False(w.ExistedWhenRecorded, $"{w.Path} existed before it was recorded"));
        Assert.All(journal.Written, w => Assert.Equal(driver.Url, w.Url));
        Assert.Equal(journal.Written.Select(w => w.Path), journal.Gone);
    }

    [Fact]
    public async Task A_failed_write_forgets_the_temp_file_it_removed()
    {
        var root = _dir.Combine("bs");
        var journal = new RecordingJournal(root);
        var driver = new BackupStoreDrivers(new BackupStoreDriverOptions { FileJournal = journal }).Create("vfs://" + root);
        // A directory where the file should go: the rename fails, the temp file is removed, nothing stays recorded.
        Directory.CreateDirectory(Path.Combine(root, "backupstore", "taken"));
        Directory.CreateDirectory(Path.Combine(root, "backupstore", "taken", "inside"));

        await Assert.ThrowsAsync<BackupStoreException>(async () =>
            await driver.WriteAsync("backupstore/taken", "{}"u8.ToArray(), CancellationToken.None));

        var written = Assert.Single(journal.Written);
        Assert.Equal([written.Path], journal.Gone);
        Assert.False(File.Exists(Path.Combine(root, written.Path)));
    }

    [Fact]
    public async Task A_lock_file_is_recorded_before_its_first_write_and_forgotten_once_removed()
    {
        using var bs = new TestStore();
        var journal = new RecordingJournal(bs.Root);
        var options = new LockOptions { FileJournal = journal };

        var held = await BackupStoreLock.AcquireAsync(bs.Driver, "vol1", LockType.BackupOrRestore, options, bs.Time, NullLogger.Instance,
            CancellationToken.None);
        var path = StorePaths.Lock("vol1", held.File.Name);
        var recorded = Assert.Single(journal.Written);
        Assert.Equal(path, recorded.Path);
        Assert.False(recorded.ExistedWhenRecorded);
        Assert.Empty(journal.Gone);

        await held.DisposeAsync();
        Assert.Equal([path], journal.Gone);
        Assert.False(File.Exists(bs.Local(path)));
    }

    [Fact]
    public async Task A_lock_whose_removal_fails_stays_recorded()
    {
        using var bs = new TestStore(inner => new InterceptingDriver(inner)
        {
            BeforeRemove = path => throw new BackupStoreException($"cannot remove {path}: refused"),
        });
        var journal = new RecordingJournal(bs.Root);
        var held = await BackupStoreLock.AcquireAsync(bs.Driver, "vol1", LockType.Deletion, new LockOptions { FileJournal = journal }, bs.Time,
            NullLogger.Instance, CancellationToken.None);

        await held.DisposeAsync();

        Assert.Single(journal.Written);
        Assert.Empty(journal.Gone);
    }

    [Fact]
    public async Task A_backups_placeholder_cfg_is_recorded_before_it_is_written_and_forgotten_once_the_backup_completes()
    {
        var journal = new RecordingJournal("");
        using var bs = new TestStore(options: new BackupStoreOptions { Locks = new LockOptions { SettleTime = TimeSpan.Zero, FileJournal = journal } });
        journal.Root = bs.Root;
        var source = new MemorySnapshotSource(4 * 1024 * 1024);
        source.Fill(0, 4096, 1);
        source.Snapshot("s1");

        var result = await bs.Store.CreateBackupAsync(new Backups.BackupRequest { VolumeName = "vol1", SnapshotName = "s1", BackupName = "backup-a" }, source);

        var cfg = StorePaths.BackupConfig("vol1", result.BackupName);
        var recorded = Assert.Single(journal.Written, w => w.Path == cfg);
        Assert.False(recorded.ExistedWhenRecorded);
        Assert.Contains(cfg, journal.Gone);
    }

    [Fact]
    public async Task A_recorded_leftover_is_removed_at_the_next_start_unless_it_is_a_complete_backup_cfg()
    {
        using var bs = new TestStore();
        var source = new MemorySnapshotSource(4 * 1024 * 1024);
        source.Fill(0, 4096, 1);
        source.Snapshot("s1");
        var complete = await bs.Store.CreateBackupAsync(new Backups.BackupRequest { VolumeName = "vol1", SnapshotName = "s1" }, source);
        var placeholder = StorePaths.BackupConfig("vol1", "backup-killed");
        await bs.Driver.WriteAsync(placeholder, new BackupConfig { Name = "backup-killed", VolumeName = "vol1" }.ToJson(), CancellationToken.None);
        var torn = StorePaths.BackupConfig("vol1", "backup-torn");
        await bs.Driver.WriteAsync(torn, "{\"Name\":"u8.ToArray(), CancellationToken.None);
        var lockFile = StorePaths.Lock("vol1", "lock-killed");
        await bs.Driver.WriteAsync(lockFile, "{}"u8.ToArray(), CancellationToken.None);
        var completeCfg = StorePaths.BackupConfig("vol1", complete.BackupName);

        Assert.True(await bs.Store.RemoveLeftoverAsync(placeholder));
        Assert.True(await bs.Store.RemoveLeftoverAsync(torn));
        Assert.True(await bs.Store.RemoveLeftoverAsync(lockFile));
        Assert.False(await bs.Store.RemoveLeftoverAsync(completeCfg));
        Assert.False(await bs.Store.RemoveLeftoverAsync(lockFile));

        Assert.False(File.Exists(bs.Local(placeholder)));
        Assert.False(File.Exists(bs.Local(torn)));
        Assert.False(File.Exists(bs.Local(lockFile)));
        Assert.True(File.Exists(bs.Local(completeCfg)));
    }
}
