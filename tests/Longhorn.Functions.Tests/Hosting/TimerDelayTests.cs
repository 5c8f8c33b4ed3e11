using Longhorn.Functions.Hosting;

namespace Longhorn.Functions.Tests.Hosting;

/// <summary>A timer function is never invoked before its scheduled time, even when the platform's timer wakes early.</summary>
public sealed class TimerDelayTests
{
    /// <summary>
    /// A clock whose timers fire 30 ms before they are due (as a coarse or adjusted clock can make them): each timer
    /// moves the clock to 30 ms short of its due time (or to its due time, if that is closer) and fires at once. No
    /// real time passes, so the test cannot be late on a loaded machine.
    /// </summary>
    private sealed class EarlyTimers : TimeProvider
    {
        private readonly object _gate = new();
        private DateTimeOffset _now = DateTimeOffset.UtcNow;

        public override DateTimeOffset GetUtcNow()
        {
            lock (_gate) return _now;
        }

        public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
        {
            var early = TimeSpan.FromMilliseconds(30);
            lock (_gate) _now += dueTime > early ? dueTime - early : dueTime;
            ThreadPool.QueueUserWorkItem(_ => callback(state));
            return new Fired();
        }

        private sealed class Fired : ITimer
        {
            public bool Change(TimeSpan dueTime, TimeSpan period) => false;
            public void Dispose() { }
            public ValueTask DisposeAsync() => ValueTask.CompletedTask;
        }
    }

    [Fact]
    public async Task An_early_wake_up_waits_for_the_rest_so_the_tick_sees_its_own_occurrence_as_due()
    {
        var time = new EarlyTimers();
        var due = time.GetUtcNow() + TimeSpan.FromMilliseconds(300);
        // The bare delay wakes before the time (what made a recurring-job minute be passed over)...
        await Task.Delay(due - time.GetUtcNow(), time);
        Assert.True(time.GetUtcNow() < due, "the early timer provider did not wake early; the test proves nothing");

        due = time.GetUtcNow() + TimeSpan.FromMilliseconds(300);
        await TimerFunctionHost.DelayUntilAsync(due, time, CancellationToken.None);
        Assert.True(time.GetUtcNow() >= due, "woken before the scheduled time");
    }
}
