using System.Buffers;
using Microsoft.Win32.SafeHandles;

namespace Longhorn.Simulator.Replicas;

/// <summary>One sparse layer file (head, snapshot, delta or backing file) with positional I/O and allocation queries.</summary>
internal sealed class LayerFile : IDisposable
{
    /// <summary>Longhorn's VolumeSectorSize: the unit of allocation lookups and read-modify-write.</summary>
    public const int SectorSize = 4096;

    private const int CopyBufferSize = 1 << 20;

    private readonly SafeFileHandle _handle;

    private LayerFile(string path, SafeFileHandle handle)
    {
        Path = path;
        _handle = handle;
    }

    public string Path { get; }

    public long Length => RandomAccess.GetLength(_handle);

    public static LayerFile Open(string path, bool writable) =>
        new(path, File.OpenHandle(
            path,
            FileMode.Open,
            writable ? FileAccess.ReadWrite : FileAccess.Read,
            FileShare.ReadWrite | FileShare.Delete));

    /// <summary>Creates (or truncates) the file and gives it <paramref name="size"/> bytes with nothing allocated.</summary>
    public static LayerFile Create(string path, long size)
    {
        var handle = File.OpenHandle(path, FileMode.Create, FileAccess.ReadWrite, FileShare.ReadWrite | FileShare.Delete);
        try
        {
            RandomAccess.SetLength(handle, size);
        }
        catch
        {
            handle.Dispose();
            throw;
        }

        return new LayerFile(path, handle);
    }

    public void SetLength(long length) => RandomAccess.SetLength(_handle, length);

    /// <summary>Allocated ranges intersecting [start, end), clipped to it, as the filesystem reports them.</summary>
    public IEnumerable<FileExtent> DataExtents(long start, long end)
    {
        var position = start;
        while (position < end)
        {
            var data = SparseFileNative.SeekData(_handle, position);
            if (data < 0 || data >= end)
            {
                yield break;
            }

            var hole = SparseFileNative.SeekHole(_handle, data);
            yield return new FileExtent(data, Math.Min(hole, end) - data);
            position = hole;
        }
    }

    /// <summary>
    /// The ranges of [start, end) that lie in a 4 KiB sector holding any allocated byte, merged and clipped:
    /// Longhorn resolves reads per sector, so a sector with any data is read wholly from this layer.
    /// </summary>
    public IEnumerable<FileExtent> DataSectors(long start, long end)
    {
        long runStart = -1;
        long runEnd = -1;
        foreach (var extent in DataExtents(AlignDown(start), AlignUp(end)))
        {
            var sectorStart = AlignDown(extent.Offset);
            var sectorEnd = AlignUp(extent.End);
            if (runStart >= 0 && sectorStart <= runEnd)
            {
                runEnd = Math.Max(runEnd, sectorEnd);
                continue;
            }

            if (runStart >= 0)
            {
                yield return Clip(runStart, runEnd, start, end);
            }

            runStart = sectorStart;
            runEnd = sectorEnd;
        }

        if (runStart >= 0)
        {
            yield return Clip(runStart, runEnd, start, end);
        }
    }

    /// <summary>Fills <paramref name="buffer"/> from <paramref name="offset"/>; bytes past the end of the file read as zeros.</summary>
    public async ValueTask ReadAsync(long offset, Memory<byte> buffer, CancellationToken cancellationToken)
    {
        var done = 0;
        while (done < buffer.Length)
        {
            var read = await RandomAccess.ReadAsync(_handle, buffer[done..], offset + done, cancellationToken).ConfigureAwait(false);
            if (read == 0)
            {
                buffer.Span[done..].Clear();
                return;
            }

            done += read;
        }
    }

    public ValueTask WriteAsync(long offset, ReadOnlyMemory<byte> data, CancellationToken cancellationToken) =>
        RandomAccess.WriteAsync(_handle, data, offset, cancellationToken);

    /// <summary>Writes allocated zeros over a range, so that it both reads as zeros and counts as data.</summary>
    public async ValueTask WriteZerosAsync(long offset, long length, CancellationToken cancellationToken)
    {
        var zeros = ArrayPool<byte>.Shared.Rent((int)Math.Min(length, CopyBufferSize));
        try
        {
            Array.Clear(zeros);
            for (long done = 0; done < length;)
            {
                var chunk = (int)Math.Min(zeros.Length, length - done);
                await WriteAsync(offset + done, zeros.AsMemory(0, chunk), cancellationToken).ConfigureAwait(false);
                done += chunk;
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(zeros);
        }
    }

    public void PunchHole(long offset, long length) => SparseFileNative.PunchHole(_handle, offset, length);

    /// <summary>
    /// sparse-tools FoldFile: copies every allocated extent of <paramref name="child"/> into this file at the same
    /// offsets, growing this file first if the child is larger. Holes in the child leave this file's data alone.
    /// </summary>
    public async ValueTask OverlayAsync(LayerFile child, CancellationToken cancellationToken)
    {
        var childLength = child.Length;
        var length = Length;
        if (length > childLength)
        {
            throw new ReplicaException(
                $"cannot fold {System.IO.Path.GetFileName(child.Path)} into {System.IO.Path.GetFileName(Path)}: parent file is larger");
        }

        if (length < childLength)
        {
            SetLength(childLength);
        }

        var buffer = ArrayPool<byte>.Shared.Rent(CopyBufferSize);
        try
        {
            foreach (var extent in child.DataExtents(0, childLength))
            {
                for (var position = extent.Offset; position < extent.End;)
                {
                    cancellationToken.ThrowIfCancellationRequested();
                    var chunk = (int)Math.Min(buffer.Length, extent.End - position);
                    var slice = buffer.AsMemory(0, chunk);
                    await child.ReadAsync(position, slice, cancellationToken).ConfigureAwait(false);
                    await WriteAsync(position, slice, cancellationToken).ConfigureAwait(false);
                    position += chunk;
                }
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    /// <summary>sparse-tools PruneFile: punches a hole in this file wherever <paramref name="newer"/> has data.</summary>
    public void PruneWhereDataIn(LayerFile newer)
    {
        var length = Length;
        foreach (var extent in newer.DataExtents(0, Math.Min(length, newer.Length)))
        {
            PunchHole(extent.Offset, extent.Length);
        }
    }

    public void Dispose() => _handle.Dispose();

    public static long AlignDown(long offset) => offset - (offset % SectorSize);

    public static long AlignUp(long offset) => AlignDown(offset + SectorSize - 1);

    private static FileExtent Clip(long runStart, long runEnd, long start, long end)
    {
        var clippedStart = Math.Max(runStart, start);
        return new FileExtent(clippedStart, Math.Min(runEnd, end) - clippedStart);
    }
}
