namespace Longhorn.Simulator.Replicas;

/// <summary>A replica refused an operation for a reason its caller can act on (a missing or duplicate snapshot, a restore already running).</summary>
public sealed class ReplicaException(string message) : Exception(message);
