using System.Collections.Immutable;
using Longhorn.Simulator.Replicas;

namespace Longhorn.Simulator.Tests.Replicas;

/// <summary>
/// What a replica should contain, kept the simple way: a byte array per snapshot and for the head, plus the
/// sectors written in each interval between snapshots ("model layers") to bound what a diff may report.
/// </summary>
internal sealed class ReplicaModel
{
    private readonly Dictionary<int, HashSet<long>> _writtenSectors = [];
    private int _nextLayer;
    private int _nextSnapshot;

    public ReplicaModel(int size)
    {
        Head = new byte[size];
        HeadLineage = [NewLayer()];
    }

    public byte[] Head { get; private set; }

    /// <summary>The model layers under the head, oldest first; the last one takes the writes.</summary>
    public ImmutableList<int> HeadLineage { get; private set; }

    /// <summary>Live (not deleted) snapshots, oldest first.</summary>
    public List<ModelSnapshot> Snapshots { get; } = [];

    public void Write(long offset, byte[] data)
    {
        data.CopyTo(Head, offset);
        var sectors = _writtenSectors[HeadLineage[^1]];
        for (var sector = offset / Replica.SectorSize; sector * Replica.SectorSize < offset + data.Length; sector++)
        {
            sectors.Add(sector);
        }
    }

    public ModelSnapshot Snapshot()
    {
        var snapshot = new ModelSnapshot($"s{++_nextSnapshot}", (byte[])Head.Clone(), HeadLineage);
        Snapshots.Add(snapshot);
        HeadLineage = HeadLineage.Add(NewLayer());
        return snapshot;
    }

    public void Delete(ModelSnapshot snapshot) => Snapshots.Remove(snapshot);

    public void Revert(ModelSnapshot snapshot)
    {
        Head = (byte[])snapshot.Content.Clone();
        HeadLineage = snapshot.Lineage.Add(NewLayer());
    }

    /// <summary>Whether <paramref name="older"/> was taken on the way to <paramref name="newer"/>.</summary>
    public static bool IsAncestor(ModelSnapshot older, ModelSnapshot newer) =>
        older.Lineage.Count < newer.Lineage.Count && newer.Lineage.Take(older.Lineage.Count).SequenceEqual(older.Lineage);

    /// <summary>The blocks holding a sector written after <paramref name="older"/> (null: ever) up to <paramref name="newer"/>.</summary>
    public ISet<long> WrittenBlocks(ModelSnapshot? older, ModelSnapshot newer, long blockSize) =>
        newer.Lineage.Skip(older?.Lineage.Count ?? 0)
            .SelectMany(layer => _writtenSectors[layer])
            .Select(sector => sector * Replica.SectorSize / blockSize * blockSize)
            .ToHashSet();

    /// <summary>The blocks whose bytes differ between the two (a missing base reads as zeros).</summary>
    public static ISet<long> DifferingBlocks(ModelSnapshot? older, ModelSnapshot newer, long blockSize)
    {
        var baseline = older?.Content ?? new byte[newer.Content.Length];
        var blocks = new HashSet<long>();
        for (long block = 0; block < newer.Content.Length; block += blockSize)
        {
            var length = (int)Math.Min(blockSize, newer.Content.Length - block);
            if (!newer.Content.AsSpan((int)block, length).SequenceEqual(baseline.AsSpan((int)block, length)))
            {
                blocks.Add(block);
            }
        }

        return blocks;
    }

    private int NewLayer()
    {
        _writtenSectors[++_nextLayer] = [];
        return _nextLayer;
    }
}

/// <summary>A snapshot in the model: its content and the model layers it was built from.</summary>
internal sealed record ModelSnapshot(string Name, byte[] Content, ImmutableList<int> Lineage);
