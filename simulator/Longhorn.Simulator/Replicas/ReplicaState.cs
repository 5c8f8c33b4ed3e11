namespace Longhorn.Simulator.Replicas;

/// <summary>
/// An immutable picture of a replica's metadata: <c>volume.meta</c> and every layer's meta, keyed by file name.
/// Structural changes publish a new one, so readers never see a half-made change.
/// </summary>
internal sealed record ReplicaState(VolumeMeta Info, IReadOnlyDictionary<string, DiskMeta> Disks)
{
    /// <summary>Longhorn's types.MaximumTotalSnapshotCount: the live chain limit and the default snapshot count limit.</summary>
    public const int MaximumTotalSnapshotCount = 250;

    public string Head => Info.Head;

    /// <summary>The disks whose Parent is <paramref name="disk"/>, in ordinal order.</summary>
    public IReadOnlyList<string> ChildrenOf(string disk) =>
        Disks.Values.Where(d => d.Parent == disk).Select(d => d.Name).Order(StringComparer.Ordinal).ToList();

    /// <summary>Longhorn's Chain(): from <paramref name="top"/> along Parent to the root, removed layers included.</summary>
    public IReadOnlyList<string> ChainFrom(string top)
    {
        var chain = new List<string>();
        for (var current = top; current.Length > 0;)
        {
            if (!Disks.TryGetValue(current, out var disk))
            {
                throw new InvalidDataException($"failed to find metadata for {current}");
            }

            chain.Add(current);
            if (chain.Count > MaximumTotalSnapshotCount)
            {
                throw new InvalidDataException($"live chain is too long: {chain.Count} (or it loops)");
            }

            current = disk.Parent;
        }

        return chain;
    }

    public ReplicaState WithDisk(DiskMeta disk)
    {
        var disks = new Dictionary<string, DiskMeta>(Disks, StringComparer.Ordinal) { [disk.Name] = disk };
        return this with { Disks = disks };
    }

    public ReplicaState WithoutDisk(string name)
    {
        var disks = new Dictionary<string, DiskMeta>(Disks, StringComparer.Ordinal);
        disks.Remove(name);
        return this with { Disks = disks };
    }

    /// <summary>Resolves a name the way MarkDiskAsRemoved does: a disk file name first, else a short snapshot name.</summary>
    public string? FindDisk(string name) =>
        Disks.ContainsKey(name) ? name : Disks.ContainsKey(DiskNames.Snapshot(name)) ? DiskNames.Snapshot(name) : null;
}
