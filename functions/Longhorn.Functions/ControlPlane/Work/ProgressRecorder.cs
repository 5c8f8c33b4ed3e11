namespace Longhorn.Functions.ControlPlane.Work;

/// <summary>
/// Records engine progress on a resource: reports arrive on the engine's workers, writes happen one at a time in the
/// background, only rising values are written, and a burst of reports becomes one write of the latest.
/// </summary>
public sealed class ProgressRecorder(Func<int, Task> write) : IProgress<int>
{
    private readonly object _gate = new();
    private int _latest = -1;
    private int _written = -1;
    private bool _running;
    private Task _flush = Task.CompletedTask;

    public void Report(int value)
    {
        lock (_gate)
        {
            if (value <= _latest) return;
            _latest = value;
            if (_running) return;
            _running = true;
            _flush = Task.Run(FlushAsync);
        }
    }

    /// <summary>Waits until the latest reported value has been written.</summary>
    public Task DrainAsync()
    {
        lock (_gate) return _flush;
    }

    private async Task FlushAsync()
    {
        while (true)
        {
            int target;
            lock (_gate)
            {
                if (_written >= _latest)
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
        }
    }
}
