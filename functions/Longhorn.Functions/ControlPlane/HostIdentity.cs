namespace Longhorn.Functions.ControlPlane;

/// <summary>This host process's owner id (Longhorn's status.ownerID) and start time; a new id per start, so work owned by an earlier run is orphaned.</summary>
public sealed class HostIdentity(TimeProvider time)
{
    public string InstanceId { get; } = $"{Environment.MachineName.ToLowerInvariant()}-{Guid.NewGuid().ToString("N")[..8]}";

    /// <summary>When this host came up (the identity is made as the control plane starts).</summary>
    public DateTimeOffset StartedAt { get; } = time.GetUtcNow();
}
