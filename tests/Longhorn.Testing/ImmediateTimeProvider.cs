namespace Longhorn.Testing;

/// <summary>
/// A clock for tests that never sleeps: a one-shot timer (Task.Delay) fires at once and moves the clock forward by
/// its due time; periodic timers (lock refresh) fire only when <see cref="Advance"/> passes them.
/// </summary>
public sealed class ImmediateTimeProvider : TimeProvider
{
    private readonly object _gate = new();
    private readonly List<PeriodicTimer> _periodic = [];
    private DateTimeOffset _now;

    public ImmediateTimeProvider(DateTimeOffset? start = null) => _now = start ?? DateTimeOffset.UtcNow;

    public override DateTimeOffset GetUtcNow()
    {
        lock (_gate) return _now;
    }

    public void Advance(TimeSpan by)
    {
        List<PeriodicTimer> due;
        lock (_gate)
        {
            _now += by;
            due = _periodic.Where(t => t.Due(_now)).ToList();
        }
        foreach (var timer in due) timer.Fire();
    }

    public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
    {
        if (period == Timeout.InfiniteTimeSpan)
        {
            if (dueTime != Timeout.InfiniteTimeSpan)
            {
                lock (_gate) _now += dueTime;
                ThreadPool.QueueUserWorkItem(_ => callback(state));
            }
            return new NoopTimer();
        }
        var timer = new PeriodicTimer(this, callback, state, GetUtcNow() + dueTime, period);
        lock (_gate) _periodic.Add(timer);
        return timer;
    }

    private sealed class NoopTimer : ITimer
    {
        public bool Change(TimeSpan dueTime, TimeSpan period) => true;
        public void Dispose() { }
        public ValueTask DisposeAsync() => ValueTask.CompletedTask;
    }

    private sealed class PeriodicTimer(ImmediateTimeProvider owner, TimerCallback callback, object? state, DateTimeOffset next, TimeSpan period) : ITimer
    {
        private DateTimeOffset _next = next;

        public bool Due(DateTimeOffset now) => now >= _next;

        public void Fire()
        {
            _next += period;
            callback(state);
        }

        public bool Change(TimeSpan dueTime, TimeSpan newPeriod) => true;

        public void Dispose()
        {
            lock (owner._gate) owner._periodic.Remove(this);
        }

        public ValueTask DisposeAsync()
        {
            Dispose();
            return ValueTask.CompletedTask;
        }
    }
}
