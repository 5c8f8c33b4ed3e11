namespace Longhorn.Functions.ControlPlane;

/// <summary>This host process's owner id (Longhorn's status.ownerID); a new one per start, so work owned by an earlier run is orphaned.</summary>
public sealed class HostIdentity
{
    public string InstanceId { get; } = $"{Environment.MachineName.ToLowerInvariant()}-{Guid.NewGuid().ToString("N")[..8]}";
}
