namespace Longhorn.Functions.ControlPlane.Work;

/// <summary>
/// Records engine progress on a resource: reports arrive on the engine's workers, writes happen one at a time in the
/// background, only rising values are written, at most one per <see cref="Interval"/> (the first at once), and a burst
/// of reports becomes one write of the latest. <see cref="DrainAsync"/> writes the latest at once, interval or not;
/// <see cref="StopAsync"/> writes nothing more, for a caller whose next write states the outcome (and its progress).
/// </summary>
public sealed class ProgressRecorder(Func<int, Task> write, TimeProvider time, TimeSpan interval) : IProgress<int>
{
    /// <summary>A resource write (a database transaction and a watch event) four times a second at most.</summary>
    public static readonly TimeSpan Interval = TimeSpan.FromMilliseconds(250);

    private readonly object _gate = new();
    private readonly TaskCompletionSource _draining = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public ProgressRecorder(Func<int, Task> write) : this(write, TimeProvider.System, Interval)
    {
    }

    private int _latest = -1;
    private int _written = -1;
    private bool _running;
    private bool _stopped;
    private Task _flush = Task.CompletedTask;

    public void Report(int value)
    {
        lock (_gate)
        {
            if (value <= _latest || _stopped) return;
            _latest = value;
            if (_running) return;
            _running = true;
            _flush = Task.Run(FlushAsync);
        }
    }

    /// <summary>Writes the latest reported value now, if it is not written yet, and waits until it is.</summary>
    public Task DrainAsync()
    {
        _draining.TrySetResult();
        lock (_gate) return _flush;
    }

    /// <summary>Drops what is not written yet and waits for a write already under way, so none lands after the caller's own.</summary>
    public Task StopAsync()
    {
        lock (_gate) _stopped = true;
        _draining.TrySetResult();
        lock (_gate) return _flush;
    }

    private async Task FlushAsync()
    {
        while (true)
        {
            int target;
            lock (_gate)
            {
                if (_written >= _latest || _stopped)
                {
                    _running = false;
                    return;
                }
                target = _latest;
            }
            try
            {
                await write(target).ConfigureAwait(false);
            }
            catch (Exception e) when (ExpectedFailure.Is(e))
            {
                // Progress is advisory; the final state write reports the outcome.
            }
            catch
            {
                // A bug stops the recorder and faults DrainAsync, so it surfaces instead of vanishing.
                lock (_gate) _running = false;
                throw;
            }
            lock (_gate) _written = target;
            // The next write waits out the interval, unless the recorder is drained meanwhile.
            if (!_draining.Task.IsCompleted)
                await Task.WhenAny(Task.Delay(interval, time), _draining.Task).ConfigureAwait(false);
        }
    }
}
