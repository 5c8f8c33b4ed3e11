using Longhorn.Engine.Format;
using Longhorn.Engine.Locks;
using Longhorn.Engine.Tests.Support;
using Microsoft.Extensions.Logging.Abstractions;

namespace Longhorn.Engine.Tests;

public sealed class LockTests : IDisposable
{
    private readonly TestStore _bs = new();

    public void Dispose() => _bs.Dispose();

    private Task<BackupStoreLock> Acquire(LockType type) =>
        BackupStoreLock.AcquireAsync(_bs.Driver, "vol1", type, new LockOptions(), _bs.Time, NullLogger.Instance, CancellationToken.None);

    private string PlaceLock(string name, LockType type, bool acquired, DateTime mtime)
    {
        var path = _bs.Local(StorePaths.Lock("vol1", name));
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllBytes(path, new LockFile(name, type, acquired).ToJson());
        File.SetLastWriteTimeUtc(path, mtime);
        return path;
    }

    [Fact]
    public async Task A_held_lock_is_refreshed_every_minute_and_removed_on_release()
    {
        var held = await Acquire(LockType.BackupOrRestore);
        var path = _bs.Local(StorePaths.Lock("vol1", held.File.Name));
        Assert.Contains("\"Acquired\":true", File.ReadAllText(path));
        var old = DateTime.UtcNow.AddSeconds(-100);
        File.SetLastWriteTimeUtc(path, old);

        _bs.Time.Advance(TimeSpan.FromSeconds(30));
        Assert.Equal(old, File.GetLastWriteTimeUtc(path));
        _bs.Time.Advance(TimeSpan.FromSeconds(31));
        // The refresh runs on the timer's thread; give its write a moment to land.
        Assert.True(SpinWait.SpinUntil(() => File.Exists(path) && File.GetLastWriteTimeUtc(path) > old.AddSeconds(90), TimeSpan.FromSeconds(10)),
            "the refresh rewrote the lock file");

        await held.DisposeAsync();
        Assert.False(File.Exists(path));
        _bs.Time.Advance(TimeSpan.FromSeconds(120));
        Assert.False(File.Exists(path), "a refresh after release must not recreate the lock");
    }

    [Fact]
    public async Task An_older_waiting_lock_of_another_type_wins_and_a_newer_one_loses()
    {
        var now = _bs.Time.GetUtcNow().UtcDateTime;
        var older = PlaceLock("lock-000000000000400a", LockType.BackupOrRestore, acquired: false, now.AddSeconds(-10));
        await Assert.ThrowsAsync<BackupStoreLockException>(() => Acquire(LockType.Deletion));
        File.Delete(older);

        PlaceLock("lock-000000000000400b", LockType.BackupOrRestore, acquired: false, DateTime.UtcNow.AddSeconds(60));
        await using var held = await Acquire(LockType.Deletion);
        Assert.True(held.File.Acquired);
    }

    [Fact]
    public async Task An_acquired_lock_wins_over_a_waiting_one_whatever_their_ages()
    {
        PlaceLock("lock-000000000000400c", LockType.Deletion, acquired: true, DateTime.UtcNow.AddSeconds(60));
        var e = await Assert.ThrowsAsync<BackupStoreLockException>(() => Acquire(LockType.BackupOrRestore));
        Assert.Contains("when performing backup create/restore", e.Message);
        Assert.Single(Directory.GetFiles(_bs.Local(StorePaths.LocksDirectory("vol1"))));
    }

    [Fact]
    public async Task Locks_of_the_same_type_coexist_and_an_unreadable_lock_is_ignored()
    {
        var path = _bs.Local(StorePaths.Lock("vol1", "lock-garbage"));
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, "{not json");
        await using var first = await Acquire(LockType.BackupOrRestore);
        await using var second = await Acquire(LockType.BackupOrRestore);
        Assert.Equal(3, Directory.GetFiles(_bs.Local(StorePaths.LocksDirectory("vol1"))).Length);
    }

    [Fact]
    public async Task A_delete_blocked_by_a_held_lock_names_its_own_lock_file_and_the_operation_and_removes_it()
    {
        var holder = PlaceLock("lock-000000000000400d", LockType.BackupOrRestore, acquired: true, DateTime.UtcNow);
        var e = await Assert.ThrowsAsync<BackupStoreLockException>(() => Acquire(LockType.Deletion));
        Assert.Matches(
            $"^failed to acquire lock {System.Text.RegularExpressions.Regex.Escape(StorePaths.LocksDirectory("vol1"))}/lock-[0-9a-f]{{16}}\\.lck " +
            "when performing backup delete, please try again later$", e.Message);
        Assert.Equal([holder], Directory.GetFiles(_bs.Local(StorePaths.LocksDirectory("vol1"))));
    }

    [Theory]
    [InlineData("store")]
    [InlineData("io")]
    public async Task A_lock_file_the_store_will_not_remove_is_left_to_expire_and_the_release_succeeds(string failure)
    {
        InterceptingDriver? intercepting = null;
        using var bs = new TestStore(d => intercepting = new InterceptingDriver(d));
        var held = await BackupStoreLock.AcquireAsync(bs.Driver, "vol1", LockType.BackupOrRestore, new LockOptions(), bs.Time,
            NullLogger.Instance, CancellationToken.None);
        var path = StorePaths.Lock("vol1", held.File.Name);
        intercepting!.BeforeRemove = removed => removed == path
            ? throw (failure == "io" ? new IOException("disk gone") : new BackupStoreException("store gone"))
            : ValueTask.CompletedTask;

        await held.DisposeAsync();
        Assert.True(File.Exists(bs.Local(path)), "the lock stays until it expires");
    }
}
