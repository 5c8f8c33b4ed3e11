namespace Longhorn.Simulator.Replicas;

/// <summary>One snapshot of a replica as Longhorn's snapshot list shows it; names are short ("s1"), the head is "volume-head".</summary>
/// <param name="Name">The short snapshot name.</param>
/// <param name="Parent">The parent's short name, or "" for the root.</param>
/// <param name="Removed">Marked for deletion; a purge has not (or could not) remove it yet.</param>
/// <param name="UserCreated">False for system snapshots (rebuild, expansion, restore), which every purge marks removed.</param>
/// <param name="Created">RFC 3339 UTC with second precision, or "" for a restored snapshot.</param>
/// <param name="Labels">The snapshot's labels; empty when there are none.</param>
/// <param name="Children">The children's short names, ordinal order.</param>
public sealed record SnapshotInfo(
    string Name,
    string Parent,
    bool Removed,
    bool UserCreated,
    string Created,
    IReadOnlyDictionary<string, string> Labels,
    IReadOnlyList<string> Children);
