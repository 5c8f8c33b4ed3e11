namespace Longhorn.Simulator.Faults;

/// <summary>
/// A shared bandwidth cap: every transfer books its bytes on one schedule and waits until the schedule reaches them,
/// so all connections together move at most the configured bytes per second. Waits come from the TimeProvider.
/// </summary>
public sealed class BandwidthLimiter
{
    private readonly object _gate = new();
    private readonly TimeProvider _time;
    private readonly double _bytesPerSecond;
    private DateTimeOffset _next;

    public BandwidthLimiter(long bytesPerSecond, TimeProvider time)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(bytesPerSecond);
        _bytesPerSecond = bytesPerSecond;
        _time = time;
        _next = time.GetUtcNow();
    }

    /// <summary>Waits until <paramref name="bytes"/> more may pass.</summary>
    public Task WaitAsync(int bytes, CancellationToken cancellationToken)
    {
        TimeSpan wait;
        lock (_gate)
        {
            var now = _time.GetUtcNow();
            if (_next < now) _next = now;
            _next += TimeSpan.FromSeconds(bytes / _bytesPerSecond);
            wait = _next - now;
        }
        return wait > TimeSpan.FromMilliseconds(1) ? Task.Delay(wait, _time, cancellationToken) : Task.CompletedTask;
    }
}
