using Longhorn.Engine.Snapshots;

namespace Longhorn.Simulator.Replicas;

/// <summary>
/// A restore into a replica: the engine writes the backup's blocks into a new file here, then
/// <see cref="CompleteAsync"/> makes it part of the replica (a full restore reverts onto it, an incremental one
/// folds it into the restored snapshot). Disposing an unfinished restore deletes the file.
/// </summary>
public sealed class ReplicaRestore : IRestoreTarget, IAsyncDisposable
{
    private readonly string _path;
    private readonly long _volumeSize;
    private readonly Func<LayerFile, CancellationToken, ValueTask> _complete;
    private readonly Action _release;
    private LayerFile? _file;
    private bool _completed;
    private bool _disposed;

    internal ReplicaRestore(string path, long volumeSize, Func<LayerFile, CancellationToken, ValueTask> complete, Action release)
    {
        _path = path;
        _volumeSize = volumeSize;
        _complete = complete;
        _release = release;
    }

    /// <summary>The file being written: <c>volume-snap-&lt;uuid&gt;.img</c> or <c>volume-delta-&lt;backup&gt;.img</c>.</summary>
    public string FileName => Path.GetFileName(_path);

    /// <summary>Longhorn's OpenVolumeDev: removes any old file and creates it sparse; the size must be the volume's.</summary>
    public ValueTask PrepareAsync(long size, CancellationToken cancellationToken)
    {
        ThrowIfFinished();
        if (size != _volumeSize)
        {
            throw new ReplicaException(
                $"cannot restore a backup of a {size}-byte volume into a {_volumeSize}-byte replica; the sizes must match");
        }

        cancellationToken.ThrowIfCancellationRequested();
        _file?.Dispose();
        File.Delete(_path);
        _file = LayerFile.Create(_path, size);
        return ValueTask.CompletedTask;
    }

    public ValueTask WriteAsync(long offset, ReadOnlyMemory<byte> data, CancellationToken cancellationToken)
    {
        var file = Prepared();
        Replica.CheckRange(offset, data.Length, _volumeSize);
        return file.WriteAsync(offset, data, cancellationToken);
    }

    /// <summary>
    /// Writes real zeros instead of Longhorn's fallocate: on ext4, SEEK_DATA does not report an unwritten
    /// (fallocated) extent, and the fold must see this range as data so that it overrides the snapshot.
    /// </summary>
    public ValueTask FillZerosAsync(long offset, long length, CancellationToken cancellationToken)
    {
        var file = Prepared();
        Replica.CheckRange(offset, length, _volumeSize);
        return file.WriteZerosAsync(offset, length, cancellationToken);
    }

    /// <summary>Makes the restored data the replica's: see <see cref="Replica.BeginFullRestore"/> and <see cref="Replica.BeginIncrementalRestore"/>.</summary>
    public async ValueTask CompleteAsync(CancellationToken cancellationToken)
    {
        var file = Prepared();
        await _complete(file, cancellationToken).ConfigureAwait(false);
        _completed = true;
        await DisposeAsync().ConfigureAwait(false);
    }

    public ValueTask DisposeAsync()
    {
        if (_disposed)
        {
            return ValueTask.CompletedTask;
        }

        _disposed = true;
        _file?.Dispose();
        _file = null;
        if (!_completed)
        {
            File.Delete(_path);
        }

        _release();
        return ValueTask.CompletedTask;
    }

    private LayerFile Prepared()
    {
        ThrowIfFinished();
        return _file ?? throw new InvalidOperationException("call PrepareAsync before writing the restore");
    }

    private void ThrowIfFinished()
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (_completed)
        {
            throw new InvalidOperationException($"the restore into {FileName} is already complete");
        }
    }
}
