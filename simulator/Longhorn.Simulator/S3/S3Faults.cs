namespace Longhorn.Simulator.S3;

/// <summary>Faults the S3 emulator injects into every request (not the admin endpoint); rates are 0–1, decided by a seeded dice.</summary>
public sealed record S3Faults
{
    public static readonly S3Faults None = new();

    /// <summary>Added before each request is handled.</summary>
    public int LatencyMs { get; init; }

    /// <summary>Share of requests answered 500 InternalError.</summary>
    public double InternalErrorRate { get; init; }

    /// <summary>Share of requests answered 503 SlowDown.</summary>
    public double SlowDownRate { get; init; }

    /// <summary>Share of requests whose connection is aborted without an answer.</summary>
    public double DropRate { get; init; }

    /// <summary>Cap on request and response bytes per second, all connections together; 0 is unlimited.</summary>
    public long BandwidthBytesPerSecond { get; init; }

    public int Seed { get; init; } = 1;

    /// <summary>Checks the ranges; the message names the bad knob.</summary>
    public S3Faults Validated()
    {
        foreach (var (name, rate) in new[] { ("internalErrorRate", InternalErrorRate), ("slowDownRate", SlowDownRate), ("dropRate", DropRate) })
            if (rate is < 0 or > 1 || double.IsNaN(rate)) throw new ArgumentException($"{name} must be between 0 and 1, not {rate}");
        if (InternalErrorRate + SlowDownRate + DropRate > 1) throw new ArgumentException("the error, slow-down and drop rates add up to more than 1");
        if (LatencyMs < 0) throw new ArgumentException($"latencyMs must not be negative, not {LatencyMs}");
        if (BandwidthBytesPerSecond < 0) throw new ArgumentException($"bandwidthBytesPerSecond must not be negative, not {BandwidthBytesPerSecond}");
        return this;
    }
}
