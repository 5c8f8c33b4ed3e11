using System.Threading.Tasks.Sources;

namespace Longhorn.Engine.Tests.Support;

/// <summary>
/// A clock whose periodic timers (the lock refresh) fire only when the test calls <see cref="SteppedTimer.TickAsync"/>,
/// on the test's own thread, so the test knows the tick has reached its first wait when the call returns; the returned
/// task ends when the tick's work (an <c>async void</c> callback) has ended. A tick may be fired after the timer was
/// disposed, as a real timer may still run a callback it dispatched just before. One-shot timers (a <c>Task.Delay</c>,
/// the lock settle) fire at once, on the thread pool.
/// </summary>
public sealed class SteppedTimers : TimeProvider
{
    private readonly List<SteppedTimer> _periodic = [];
    private readonly DateTimeOffset _now = DateTimeOffset.UtcNow;

    public override DateTimeOffset GetUtcNow() => _now;

    /// <summary>The one periodic timer created so far.</summary>
    public SteppedTimer Periodic
    {
        get
        {
            lock (_periodic) return Assert.Single(_periodic);
        }
    }

    public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
    {
        if (period == Timeout.InfiniteTimeSpan || period == TimeSpan.Zero)
        {
            if (dueTime != Timeout.InfiniteTimeSpan) ThreadPool.QueueUserWorkItem(_ => callback(state));
            return new SteppedTimer(callback, state);
        }
        var timer = new SteppedTimer(callback, state);
        lock (_periodic) _periodic.Add(timer);
        return timer;
    }

    public sealed class SteppedTimer(TimerCallback callback, object? state) : ITimer
    {
        private int _disposed;

        public bool IsDisposed => Volatile.Read(ref _disposed) != 0;
        private HeldDisposal? _held;

        /// <summary>
        /// Makes the next <see cref="DisposeAsync"/> stop the timer and return a wait that ends only at
        /// <see cref="EndDisposal"/>; the task returned here completes once the disposer has started awaiting it.
        /// </summary>
        public Task HoldDisposal()
        {
            _held = new HeldDisposal();
            return _held.Awaited;
        }

        /// <summary>Ends a held disposal: the disposer continues on this thread, up to its next wait that really waits.</summary>
        public void EndDisposal() => (_held ?? throw new InvalidOperationException("no disposal is held")).End();

        /// <summary>Runs the callback now, on this thread; the task ends when the async work it started has ended.</summary>
        public Task TickAsync()
        {
            var completion = new AsyncWorkCompletion();
            var previous = SynchronizationContext.Current;
            SynchronizationContext.SetSynchronizationContext(completion);
            try
            {
                completion.OperationStarted();
                callback(state);
            }
            finally
            {
                SynchronizationContext.SetSynchronizationContext(previous);
                completion.OperationCompleted();
            }
            return completion.Ended;
        }

        public bool Change(TimeSpan dueTime, TimeSpan period) => true;

        public void Dispose() => Interlocked.Exchange(ref _disposed, 1);

        public ValueTask DisposeAsync()
        {
            Dispose();
            return _held is { } held ? new ValueTask(held, 0) : ValueTask.CompletedTask;
        }
    }

    /// <summary>A disposal that reports when it is awaited and runs its awaiter inline when ended.</summary>
    private sealed class HeldDisposal : IValueTaskSource
    {
        private readonly TaskCompletionSource _awaited = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private ManualResetValueTaskSourceCore<bool> _core;

        public Task Awaited => _awaited.Task;

        public void End() => _core.SetResult(true);

        public ValueTaskSourceStatus GetStatus(short token) => _core.GetStatus(token);

        public void GetResult(short token) => _core.GetResult(token);

        public void OnCompleted(Action<object?> continuation, object? state, short token, ValueTaskSourceOnCompletedFlags flags)
        {
            _core.OnCompleted(continuation, state, token, flags);
            _awaited.TrySetResult();
        }
    }

    /// <summary>
    /// Current while a tick's callback starts: an <c>async void</c> method reports its start and end to the context it
    /// began on (<see cref="SynchronizationContext.OperationStarted"/>, <see cref="SynchronizationContext.OperationCompleted"/>),
    /// which is how the test learns that the tick has ended. Continuations posted to it run on the thread pool.
    /// </summary>
    private sealed class AsyncWorkCompletion : SynchronizationContext
    {
        private readonly TaskCompletionSource _ended = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private int _running;

        public Task Ended => _ended.Task;

        public override void OperationStarted() => Interlocked.Increment(ref _running);

        public override void OperationCompleted()
        {
            if (Interlocked.Decrement(ref _running) == 0) _ended.TrySetResult();
        }

        public override SynchronizationContext CreateCopy() => this;
    }
}
