namespace Longhorn.Simulator.Replicas;

/// <summary>How a <see cref="Replica"/> behaves: where its clock comes from and whether it keeps a revision counter.</summary>
public sealed record ReplicaOptions
{
    /// <summary>The clock for every <c>Created</c> timestamp (snapshots, heads, reverts).</summary>
    public TimeProvider TimeProvider { get; init; } = TimeProvider.System;

    /// <summary>
    /// Keep <c>revision.counter</c> (one increment per write). Off by default, as Longhorn v1's
    /// <c>disable-revision-counter</c> setting defaults to true.
    /// </summary>
    public bool EnableRevisionCounter { get; init; }
}
