namespace Longhorn.Simulator.Nfs;

/// <summary>Faults of the emulated NFS export: latency per operation and shares of EIO and ENOSPC answers (0–1, seeded).</summary>
public sealed record NfsFaults
{
    public static readonly NfsFaults None = new();

    public int LatencyMs { get; init; }

    /// <summary>Share of operations (reads, listings, writes) that fail with EIO.</summary>
    public double IoErrorRate { get; init; }

    /// <summary>Share of writes and uploads that fail with ENOSPC.</summary>
    public double NoSpaceRate { get; init; }

    public int Seed { get; init; } = 1;

    public NfsFaults Validated()
    {
        if (IoErrorRate is < 0 or > 1 || NoSpaceRate is < 0 or > 1 || IoErrorRate + NoSpaceRate > 1)
            throw new ArgumentException($"ioErrorRate {IoErrorRate} and noSpaceRate {NoSpaceRate} must be between 0 and 1 and add up to at most 1");
        if (LatencyMs < 0) throw new ArgumentException($"latencyMs must not be negative, not {LatencyMs}");
        return this;
    }
}
