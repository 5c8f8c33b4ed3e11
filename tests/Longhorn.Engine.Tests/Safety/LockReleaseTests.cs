using System.Collections.Concurrent;
using Longhorn.Engine.Format;
using Longhorn.Engine.Locks;
using Longhorn.Engine.Store;
using Longhorn.Engine.Tests.Support;
using Microsoft.Extensions.Logging.Abstractions;

namespace Longhorn.Engine.Tests.Safety;

/// <summary>
/// Releasing a held lock against its own refresh (lock.go stops the refresh, then removes the file): the refresh timer is
/// stopped, the file is removed once however often the lock is released, and a refresh tick the timer dispatched before
/// it stopped never writes the file back, whether the tick runs before, during or after the removal. The write gate
/// orders a tick and the removal; the tests fire each tick by hand (<see cref="SteppedTimers"/>) at the point they choose.
/// </summary>
public sealed class LockReleaseTests : IDisposable
{
    private readonly TempDirectory _dir = new();
    private readonly InterceptingDriver _driver;
    private readonly SteppedTimers _timers = new();
    private readonly ConcurrentQueue<string> _writes = new();
    private readonly ConcurrentQueue<string> _removes = new();

    public LockReleaseTests()
    {
        Directory.CreateDirectory(_dir.Combine("bs"));
        _driver = new InterceptingDriver(new BackupStoreDrivers().Create("vfs://" + _dir.Combine("bs")));
    }

    public void Dispose() => _dir.Dispose();

    /// <summary>A held lock; from then on every write and removal the store sees is recorded, then passes the gate given.</summary>
    private async Task<(BackupStoreLock Lock, string LocalPath)> HeldAsync(Task? writeGate = null, Task? removeGate = null)
    {
        var held = await BackupStoreLock.AcquireAsync(_driver, "vol1", LockType.BackupOrRestore, new LockOptions(), _timers,
            NullLogger.Instance, CancellationToken.None);
        var localPath = _dir.Combine("bs", StorePaths.Lock("vol1", held.File.Name));
        Assert.True(File.Exists(localPath));
        _driver.BeforeWrite = async path =>
        {
            _writes.Enqueue(path);
            await (writeGate ?? Task.CompletedTask);
        };
        _driver.BeforeRemove = async path =>
        {
            _removes.Enqueue(path);
            await (removeGate ?? Task.CompletedTask);
        };
        return (held, localPath);
    }

    [Fact]
    public async Task A_release_stops_the_refresh_timer_and_a_second_release_touches_nothing_in_the_store()
    {
        var (held, localPath) = await HeldAsync();
        Assert.False(_timers.Periodic.IsDisposed);

        await held.DisposeAsync();
        Assert.True(_timers.Periodic.IsDisposed, "a released lock's refresh timer is stopped");
        Assert.False(File.Exists(localPath));
        var removed = Assert.Single(_removes);

        await held.DisposeAsync();
        Assert.Equal([removed], _removes);
        Assert.Empty(_writes);
    }

    [Fact]
    public async Task A_refresh_tick_run_after_the_release_finds_the_write_gate_open_and_writes_nothing()
    {
        var (held, localPath) = await HeldAsync();
        await held.DisposeAsync();

        // A tick the timer dispatched just before it was stopped, run after the release.
        await _timers.Periodic.TickAsync().WaitAsync(Eventually.HangLimit);
        Assert.Empty(_writes);
        Assert.False(File.Exists(localPath), "a late refresh must not recreate a released lock");
    }

    [Fact]
    public async Task A_refresh_tick_landing_while_the_file_is_removed_waits_for_the_removal_and_then_writes_nothing()
    {
        var removeGate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var (held, localPath) = await HeldAsync(removeGate: removeGate.Task);
        var release = held.DisposeAsync().AsTask();
        await Eventually.HoldsAsync(() => !_removes.IsEmpty, "the release to remove the lock file");

        var tick = _timers.Periodic.TickAsync();
        Assert.False(tick.IsCompleted, "the tick waits at the write gate the removal holds");
        removeGate.SetResult();
        await release.WaitAsync(Eventually.HangLimit);
        await tick.WaitAsync(Eventually.HangLimit);

        Assert.Empty(_writes);
        Assert.False(File.Exists(localPath), "a refresh that waited out the removal must not recreate the lock");
    }

    [Fact]
    public async Task A_release_waits_for_a_refresh_write_in_flight_then_removes_the_file_without_resuming_on_the_callers_context()
    {
        var writeGate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var (held, localPath) = await HeldAsync(writeGate: writeGate.Task);
        var tick = _timers.Periodic.TickAsync();
        Assert.Single(_writes);

        // Hold the release where it has stopped the timer, then let it go on inline, on a thread with no context of its
        // own: it runs up to the write gate, which the tick's write holds.
        var timerStopping = _timers.Periodic.HoldDisposal();
        var caller = new CallerContext();
        var release = caller.RunAsync(async () =>
        {
            await held.DisposeAsync();
            return true;
        });
        await timerStopping.WaitAsync(Eventually.HangLimit);
        await Task.Run(_timers.Periodic.EndDisposal);
        Assert.False(release.IsCompleted);
        Assert.Empty(_removes);
        Assert.True(File.Exists(localPath));

        writeGate.SetResult();
        await tick.WaitAsync(Eventually.HangLimit);
        await release.WaitAsync(Eventually.HangLimit);
        Assert.Single(_removes);
        Assert.False(File.Exists(localPath), "the removal comes after the refresh write it waited for");
        Assert.Equal(0, caller.Posts);
    }
}
