using Longhorn.Functions.Hosting;

namespace Longhorn.Functions.Tests.Hosting;

/// <summary>A timer function is never invoked before its scheduled time, even when the platform's timer wakes early.</summary>
public sealed class TimerDelayTests
{
    /// <summary>The system clock, with timers that fire 30 ms before they are due (as a coarse or adjusted clock can).</summary>
    private sealed class EarlyTimers : TimeProvider
    {
        public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period) =>
            System.CreateTimer(callback, state, dueTime > TimeSpan.FromMilliseconds(30) ? dueTime - TimeSpan.FromMilliseconds(30) : TimeSpan.Zero, period);
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
