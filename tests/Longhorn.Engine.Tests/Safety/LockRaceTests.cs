using Longhorn.Engine.Backups;
using Longhorn.Engine.Format;
using Longhorn.Engine.Locks;
using Longhorn.Engine.Store;
using Longhorn.Engine.Tests.Support;
using Microsoft.Extensions.Logging.Abstractions;

namespace Longhorn.Engine.Tests.Safety;

/// <summary>
/// Lock races between writers on one store (spec §6.3), each writer its own <see cref="BackupStore"/> as another host
/// would be, on a clock the test moves: both settle for 2 s, then the lock with priority (acquired, then older, then the
/// smaller name) wins; a held lock is refreshed every 60 s and so outlives the 150 s expiry; a dead one expires.
/// </summary>
public sealed class LockRaceTests : IDisposable
{
    private const int MiB = 1024 * 1024;
    private static readonly LockOptions Longhorn = new();
    private readonly TempDirectory _dir = new();
    private readonly IBackupStoreDriver _files;
    private readonly ManualClock _clock = new(DateTimeOffset.UtcNow);
    private readonly InterceptingDriver _driver;
    private readonly MemorySnapshotSource _source = new(4 * MiB);

    public LockRaceTests()
    {
        Directory.CreateDirectory(_dir.Combine("bs"));
        _files = new BackupStoreDrivers().Create("vfs://" + _dir.Combine("bs"));
        // Lock files are stamped with the test's clock, as an S3 server stamps LastModified with its own.
        _driver = new InterceptingDriver(_files, _clock);
        _source.Fill(0, 2 * MiB, 1);
        _source.Snapshot("s1");
        _source.Fill(2 * MiB, 4096, 2);
        _source.Snapshot("s2");
    }

    public void Dispose() => _dir.Dispose();

    /// <summary>Another host's store on the shared target, on the test's clock.</summary>
    private BackupStore Host() => new(_driver, new BackupStoreOptions(), _clock);

    /// <summary>A completed backup made beforehand (its lock long gone).</summary>
    private Task<BackupResult> ExistingBackup(string volume = "vol1") =>
        new BackupStore(_files, new BackupStoreOptions(), new ImmediateTimeProvider())
            .CreateBackupAsync(new BackupRequest { VolumeName = volume, SnapshotName = "s1" }, _source);

    private Task<BackupStoreLock> Acquire(LockType type, string volume = "vol1") =>
        BackupStoreLock.AcquireAsync(_driver, volume, type, Longhorn, _clock, NullLogger.Instance, CancellationToken.None);

    private Task WhenSettling(int writers) => Eventually.HoldsAsync(() => _clock.PendingDelays >= writers, $"{writers} writers to settle");

    private async Task<T> Settled<T>(Task<T> operation)
    {
        await Eventually.HoldsAsync(() => operation.IsCompleted || _clock.PendingDelays > 0, "the operation to settle its lock");
        if (!operation.IsCompleted) _clock.Advance(Longhorn.SettleTime);
        return await operation;
    }

    private IReadOnlyList<string> LockNames(string volume = "vol1")
    {
        var dir = Path.Combine(_dir.Combine("bs"), StorePaths.LocksDirectory(volume));
        return Directory.Exists(dir) ? Directory.GetFiles(dir).Select(f => Path.GetFileNameWithoutExtension(f)).Order(StringComparer.Ordinal).ToList() : [];
    }

    [Fact]
    public async Task Two_writers_settling_together_are_ordered_by_lock_name_and_exactly_one_wins()
    {
        for (var round = 0; round < 6; round++)
        {
            var backup = Acquire(LockType.BackupOrRestore);
            var deletion = Acquire(LockType.Deletion);
            await WhenSettling(2);
            var names = LockNames();
            Assert.Equal(2, names.Count);
            _clock.Advance(Longhorn.SettleTime);

            var results = await Task.WhenAll(Outcome(backup), Outcome(deletion));
            var winner = Assert.Single(results, r => r.Lock is not null);
            Assert.IsType<BackupStoreLockException>(Assert.Single(results, r => r.Error is not null).Error);
            Assert.Equal(names[0], winner.Lock!.File.Name);
            Assert.Equal([names[0]], LockNames());
            await winner.Lock.DisposeAsync();
            Assert.Empty(LockNames());
        }
    }

    private static async Task<(BackupStoreLock? Lock, Exception? Error)> Outcome(Task<BackupStoreLock> acquiring)
    {
        try
        {
            return (await acquiring, null);
        }
        catch (BackupStoreLockException e)
        {
            return (null, e);
        }
    }

    [Theory]
    [InlineData(nameof(LockType.Deletion), nameof(LockType.BackupOrRestore))]
    [InlineData(nameof(LockType.BackupOrRestore), nameof(LockType.Deletion))]
    public async Task Of_two_writers_racing_the_one_that_wrote_its_lock_first_wins(string firstType, string secondType)
    {
        // Lock types are internal to the engine; the theory names them.
        var first = Enum.Parse<LockType>(firstType);
        var second = Enum.Parse<LockType>(secondType);
        var early = Acquire(first);
        await WhenSettling(1);
        _clock.Advance(TimeSpan.FromSeconds(1));
        var late = Acquire(second);
        await WhenSettling(2);
        _clock.Advance(TimeSpan.FromSeconds(1));

        // The early writer's settle ends first: the late lock is newer and not acquired, so it does not stop it.
        await using var held = await early;
        Assert.True(held.File.Acquired);
        _clock.Advance(TimeSpan.FromSeconds(1));
        var e = await Assert.ThrowsAsync<BackupStoreLockException>(() => late);
        Assert.EndsWith("please try again later", e.Message);
        Assert.Equal([held.File.Name], LockNames());
    }

    [Fact]
    public async Task A_long_backups_lock_is_refreshed_past_the_expiry_and_keeps_another_hosts_delete_out()
    {
        var existing = await ExistingBackup();
        var gated = new GatedSnapshotSource(_source);
        var backup = Host().CreateBackupAsync(new BackupRequest { VolumeName = "vol1", SnapshotName = "s2" }, gated);
        await WhenSettling(1);
        _clock.Advance(Longhorn.SettleTime);
        await gated.Entered.WaitAsync(Eventually.HangLimit);
        var lockPath = StorePaths.Lock("vol1", Assert.Single(LockNames()));

        // Five refreshes: the backup has now held its lock for 302 s, twice Longhorn's 150 s expiry.
        for (var refresh = 1; refresh <= 5; refresh++)
        {
            _clock.Advance(Longhorn.RefreshInterval);
            var now = _clock.GetUtcNow();
            await Eventually.HoldsAsync(() => _driver.StampOf(lockPath) == now, $"refresh {refresh} of the backup's lock");
        }

        var other = Host();
        var e = await Assert.ThrowsAsync<BackupStoreLockException>(() => Settled(other.DeleteBackupAsync("vol1", existing.BackupName)));
        Assert.Contains("when performing backup delete", e.Message);
        Assert.Equal([existing.BackupName], (await other.ListBackupNamesAsync("vol1")).Where(n => n == existing.BackupName));

        gated.Open();
        var done = await backup;
        Assert.Empty(LockNames());
        var deleted = await Settled(other.DeleteBackupAsync("vol1", existing.BackupName));
        Assert.Null(deleted.GarbageCollectionSkipped);
        Assert.Equal([done.BackupName], await other.ListBackupNamesAsync("vol1"));
    }

    [Fact]
    public async Task A_dead_writers_lock_blocks_deletes_for_exactly_the_expiry_then_is_ignored_and_left_in_place()
    {
        var first = await ExistingBackup("vol1");
        var second = await ExistingBackup("vol2");
        // Two writers die holding backup locks, the second one tick later than the first.
        await _driver.WriteAsync(StorePaths.Lock("vol1", "lock-dead000000000001"), new LockFile("lock-dead000000000001", LockType.BackupOrRestore, true).ToJson(), default);
        _clock.Advance(TimeSpan.FromTicks(1));
        await _driver.WriteAsync(StorePaths.Lock("vol2", "lock-dead000000000002"), new LockFile("lock-dead000000000002", LockType.BackupOrRestore, true).ToJson(), default);
        _clock.Advance(Longhorn.Duration - Longhorn.SettleTime);

        // Both deletes check after their settle: vol1's lock is then 150 s + 1 tick old, vol2's exactly 150 s.
        var deleteFirst = Host().DeleteBackupAsync("vol1", first.BackupName);
        var deleteSecond = Host().DeleteBackupAsync("vol2", second.BackupName);
        await WhenSettling(2);
        _clock.Advance(Longhorn.SettleTime);

        Assert.Null((await deleteFirst).GarbageCollectionSkipped);
        await Assert.ThrowsAsync<BackupStoreLockException>(() => deleteSecond);
        Assert.Equal(["lock-dead000000000001"], LockNames("vol1"));
        Assert.Equal(["lock-dead000000000002"], LockNames("vol2"));
    }

    [Fact]
    public async Task A_held_lock_outranks_an_older_waiting_lock_once_refreshed()
    {
        await using var held = await Settled(Acquire(LockType.BackupOrRestore));
        var deletion = Acquire(LockType.Deletion);
        await WhenSettling(1);
        _clock.Advance(TimeSpan.FromSeconds(1));
        // The holder's refresh lands while the deletion settles: the held lock's file is now the newer one.
        await _driver.WriteAsync(StorePaths.Lock("vol1", held.File.Name), held.File.ToJson(), default);
        _clock.Advance(TimeSpan.FromSeconds(1));
        await Assert.ThrowsAsync<BackupStoreLockException>(() => deletion);
        Assert.Equal([held.File.Name], LockNames());
    }

    [Fact]
    public async Task A_lock_file_removed_while_settling_fails_the_acquisition_instead_of_locking_blind()
    {
        var acquiring = Acquire(LockType.Deletion);
        await WhenSettling(1);
        var path = StorePaths.Lock("vol1", Assert.Single(LockNames()));
        await _files.RemoveAsync(path, default);
        _clock.Advance(Longhorn.SettleTime);
        var e = await Assert.ThrowsAsync<BackupStoreLockException>(() => acquiring);
        Assert.Equal($"lock file {path} vanished before it was acquired", e.Message);
        Assert.Empty(LockNames());
    }

    [Fact]
    public async Task Releasing_a_lock_twice_is_harmless_and_a_released_lock_is_no_longer_refreshed()
    {
        var held = await Settled(Acquire(LockType.BackupOrRestore));
        var path = StorePaths.Lock("vol1", held.File.Name);
        Assert.Equal(_clock.GetUtcNow(), _driver.StampOf(path));
        await held.DisposeAsync();
        await held.DisposeAsync();
        Assert.Empty(LockNames());
        _clock.Advance(Longhorn.RefreshInterval * 3);
        await using var other = await Settled(Acquire(LockType.Deletion));
        Assert.Equal([other.File.Name], LockNames());
    }
}
