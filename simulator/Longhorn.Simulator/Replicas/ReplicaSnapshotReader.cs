using Longhorn.Engine;
using Longhorn.Engine.Snapshots;

namespace Longhorn.Simulator.Replicas;

/// <summary>
/// A snapshot opened for backup (Longhorn's OpenSnapshot): its own read-only handles on the snapshot's chain, so
/// later changes to the replica's layout do not pull files out from under it.
/// </summary>
internal sealed class ReplicaSnapshotReader : ISnapshotReader
{
    private readonly IReadOnlyList<string> _chainNames;
    private readonly IReadOnlyList<LayerFile> _files;
    private readonly LayerChain _chain;
    private readonly long _volumeSize;
    private int _disposed;

    /// <param name="chainNames">Layer file names, oldest first, the snapshot last.</param>
    /// <param name="files">The opened layers in the same order, then the backing file if any; the reader owns them.</param>
    public ReplicaSnapshotReader(IReadOnlyList<string> chainNames, IReadOnlyList<LayerFile> files, LayerChain chain, long volumeSize)
    {
        _chainNames = chainNames;
        _files = files;
        _chain = chain;
        _volumeSize = volumeSize;
    }

    public ValueTask<IReadOnlyList<BlockMapping>> CompareAsync(string? baseSnapshotName, long blockSize, CancellationToken cancellationToken)
    {
        ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);
        if (blockSize <= 0 || blockSize % LayerFile.SectorSize != 0)
        {
            throw new ArgumentOutOfRangeException(nameof(blockSize), blockSize, "the block size must be a positive multiple of 4096");
        }

        var baseIndex = -1;
        if (baseSnapshotName is not null)
        {
            baseIndex = IndexOf(DiskNames.Snapshot(baseSnapshotName));
            if (baseIndex < 0)
            {
                throw new SnapshotNotInChainException(baseSnapshotName);
            }
        }

        return ValueTask.FromResult(_chain.ChangedBlocks(baseIndex, blockSize, _volumeSize, cancellationToken));
    }

    public ValueTask ReadAsync(long offset, Memory<byte> buffer, CancellationToken cancellationToken)
    {
        ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);
        Replica.CheckRange(offset, buffer.Length, _volumeSize);
        return _chain.ReadAsync(offset, buffer, cancellationToken);
    }

    public ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 0)
        {
            foreach (var file in _files)
            {
                file.Dispose();
            }
        }

        return ValueTask.CompletedTask;
    }

    private int IndexOf(string disk)
    {
        for (var i = 0; i < _chainNames.Count; i++)
        {
            if (_chainNames[i] == disk)
            {
                return i;
            }
        }

        return -1;
    }
}
