using Longhorn.Simulator.Faults;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace Longhorn.Simulator.S3;

/// <summary>Applies the current <see cref="S3Faults"/> to a request: latency, then a seeded roll for drop / 500 / 503, then bandwidth.</summary>
public sealed class S3FaultInjector
{
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private volatile State _state;

    public S3FaultInjector(S3Faults faults, TimeProvider time, ILogger logger)
    {
        _time = time;
        _logger = logger;
        _state = new State(faults.Validated(), time);
    }

    public S3Faults Current => _state.Faults;

    /// <summary>Faults injected so far (dropped connections, 500s and 503s), for a run's figures.</summary>
    public long Injected => Interlocked.Read(ref _injected);

    private long _injected;

    /// <summary>Replaces the faults; the dice restarts from the new seed.</summary>
    public void Set(S3Faults faults) => _state = new State(faults.Validated(), _time);

    /// <summary>Injects the faults; false when the connection was dropped and the request must not be answered.</summary>
    public async Task<bool> ApplyAsync(HttpContext context)
    {
        var state = _state;
        var faults = state.Faults;
        if (faults.LatencyMs > 0) await Task.Delay(TimeSpan.FromMilliseconds(faults.LatencyMs), _time, context.RequestAborted).ConfigureAwait(false);
        if (faults.DropRate + faults.InternalErrorRate + faults.SlowDownRate > 0)
        {
            var roll = state.Dice.Roll();
            if (roll < faults.DropRate + faults.InternalErrorRate + faults.SlowDownRate) Interlocked.Increment(ref _injected);
            if (roll < faults.DropRate)
            {
                _logger.LogInformation("Fault: dropping the connection of {Method} {Path}", context.Request.Method, context.Request.Path);
                context.Abort();
                return false;
            }
            if (roll < faults.DropRate + faults.InternalErrorRate) throw S3Error.InternalError();
            if (roll < faults.DropRate + faults.InternalErrorRate + faults.SlowDownRate) throw S3Error.SlowDown();
        }
        if (state.Bandwidth is { } limiter)
        {
            context.Request.Body = new ThrottledStream(context.Request.Body, limiter);
            context.Response.Body = new ThrottledStream(context.Response.Body, limiter);
        }
        return true;
    }

    private sealed class State(S3Faults faults, TimeProvider time)
    {
        public S3Faults Faults { get; } = faults;
        public FaultDice Dice { get; } = new(faults.Seed);
        public BandwidthLimiter? Bandwidth { get; } = faults.BandwidthBytesPerSecond > 0 ? new BandwidthLimiter(faults.BandwidthBytesPerSecond, time) : null;
    }
}
