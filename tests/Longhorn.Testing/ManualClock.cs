namespace Longhorn.Testing;

/// <summary>
/// A clock that moves only when told: a <c>Task.Delay</c> on it (the lock settle) waits until <see cref="Advance"/>
/// passes its due time, and periodic timers (the lock refresh) fire once per period passed, on the thread pool as
/// real timers do. For races whose order a test decides.
/// </summary>
public sealed class ManualClock(DateTimeOffset start) : TimeProvider
{
    private readonly object _gate = new();
    private readonly List<Timer> _timers = [];
    private DateTimeOffset _now = start;

    /// <summary>Now, truncated to the minute, plus 30 s: minute crons fire once per <see cref="Advance"/> of a minute.</summary>
    public static ManualClock AtHalfMinute()
    {
        var now = DateTimeOffset.UtcNow;
        return new ManualClock(new DateTimeOffset(now.Year, now.Month, now.Day, now.Hour, now.Minute, 30, TimeSpan.Zero));
    }

    public override DateTimeOffset GetUtcNow()
    {
        lock (_gate) return _now;
    }

    /// <summary>How many one-shot timers are waiting (a <c>Task.Delay</c> each: writers parked in their lock settle).</summary>
    public int PendingDelays
    {
        get
        {
            lock (_gate) return _timers.Count(t => t.Period is null);
        }
    }

    public void Advance(TimeSpan by)
    {
        List<Timer> due;
        lock (_gate)
        {
            _now += by;
            due = _timers.Where(t => t.DueAt <= _now).ToList();
            foreach (var timer in due)
            {
                if (timer.Period is { } period) timer.DueAt += period;
                else _timers.Remove(timer);
            }
        }
        foreach (var timer in due) ThreadPool.QueueUserWorkItem(_ => timer.Fire());
    }

    public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
    {
        var timer = new Timer(this, callback, state);
        timer.Change(dueTime, period);
        return timer;
    }

    private sealed class Timer(ManualClock clock, TimerCallback callback, object? state) : ITimer
    {
        public DateTimeOffset DueAt { get; set; }
        public TimeSpan? Period { get; private set; }

        public void Fire() => callback(state);

        public bool Change(TimeSpan dueTime, TimeSpan period)
        {
            lock (clock._gate)
            {
                clock._timers.Remove(this);
                if (dueTime == Timeout.InfiniteTimeSpan) return true;
                DueAt = clock._now + dueTime;
                Period = period == Timeout.InfiniteTimeSpan || period == TimeSpan.Zero ? null : period;
                clock._timers.Add(this);
            }
            return true;
        }

        public void Dispose()
        {
            lock (clock._gate) clock._timers.Remove(this);
        }

        public ValueTask DisposeAsync()
        {
            Dispose();
            return ValueTask.CompletedTask;
        }
    }
}
