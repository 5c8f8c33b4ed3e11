using Longhorn.Engine.Snapshots;

namespace Longhorn.Simulator.Replicas;

/// <summary>
/// A stack of layers read as one volume: each 4 KiB sector comes from the newest layer that has data there,
/// then from the backing file, else it reads as zeros. Allocation is asked of the filesystem on every call.
/// </summary>
internal sealed class LayerChain
{
    /// <param name="layers">Oldest (the root snapshot) first, newest (head or the opened snapshot) last.</param>
    /// <param name="backing">The read-only backing image under the root, if the volume has one.</param>
    public LayerChain(IReadOnlyList<LayerFile> layers, LayerFile? backing)
    {
        if (layers.Count == 0)
        {
            throw new ArgumentException("a chain needs at least one layer", nameof(layers));
        }

        Layers = layers;
        Backing = backing;
    }

    public IReadOnlyList<LayerFile> Layers { get; }

    public LayerFile? Backing { get; }

    public LayerFile Top => Layers[^1];

    public async ValueTask ReadAsync(long offset, Memory<byte> buffer, CancellationToken cancellationToken)
    {
        var pending = new List<FileExtent> { new(offset, buffer.Length) };
        for (var index = Layers.Count - 1; index >= 0 && pending.Count > 0; index--)
        {
            var layer = Layers[index];
            var stillPending = new List<FileExtent>();
            foreach (var range in pending)
            {
                var cursor = range.Offset;
                foreach (var data in layer.DataSectors(range.Offset, range.End))
                {
                    if (data.Offset > cursor)
                    {
                        stillPending.Add(new FileExtent(cursor, data.Offset - cursor));
                    }

                    await layer.ReadAsync(data.Offset, buffer.Slice((int)(data.Offset - offset), (int)data.Length), cancellationToken)
                        .ConfigureAwait(false);
                    cursor = data.End;
                }

                if (cursor < range.End)
                {
                    stillPending.Add(new FileExtent(cursor, range.End - cursor));
                }
            }

            pending = stillPending;
        }

        foreach (var range in pending)
        {
            var slice = buffer.Slice((int)(range.Offset - offset), (int)range.Length);
            if (Backing is null)
            {
                slice.Span.Clear();
            }
            else
            {
                await Backing.ReadAsync(range.Offset, slice, cancellationToken).ConfigureAwait(false);
            }
        }
    }

    /// <summary>
    /// Longhorn's CompareSnapshot over this chain: the <paramref name="blockSize"/>-aligned blocks holding a sector
    /// whose newest data layer sits above index <paramref name="baseIndex"/> (-1: every layer counts). That is the
    /// same as "some layer above the base has data in the block"; the backing file never counts.
    /// </summary>
    public IReadOnlyList<BlockMapping> ChangedBlocks(int baseIndex, long blockSize, long volumeSize, CancellationToken cancellationToken)
    {
        var blocks = new HashSet<long>();
        for (var index = baseIndex + 1; index < Layers.Count; index++)
        {
            foreach (var data in Layers[index].DataSectors(0, volumeSize))
            {
                cancellationToken.ThrowIfCancellationRequested();
                for (var block = data.Offset - (data.Offset % blockSize); block < data.End; block += blockSize)
                {
                    blocks.Add(block);
                }
            }
        }

        var offsets = blocks.ToArray();
        Array.Sort(offsets);
        return Array.ConvertAll(offsets, block => new BlockMapping(block, blockSize));
    }
}
