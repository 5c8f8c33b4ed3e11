namespace Longhorn.Simulator.Tests.Replicas;

/// <summary>One step of a generated replica history.</summary>
public abstract record ReplicaOperation;

/// <summary>Writes <see cref="Length"/> bytes derived from <see cref="Seed"/> at <see cref="Offset"/>.</summary>
public sealed record WriteOperation(int Offset, int Length, int Seed) : ReplicaOperation;

/// <summary>Takes a user snapshot.</summary>
public sealed record SnapshotOperation : ReplicaOperation;

/// <summary>Deletes (marks removed and purges) the live snapshot at <see cref="Pick"/> modulo their count.</summary>
public sealed record DeleteOperation(int Pick) : ReplicaOperation;

/// <summary>Reverts onto the live snapshot at <see cref="Pick"/> modulo their count.</summary>
public sealed record RevertOperation(int Pick) : ReplicaOperation;

/// <summary>Closes the replica and opens the directory again.</summary>
public sealed record ReopenOperation : ReplicaOperation;
