using Longhorn.Engine.Snapshots;

namespace Longhorn.Engine.Tests.Support;

/// <summary>
/// A volume held in memory with v1 semantics: writes mark 4 KiB sectors as data (zeros included), snapshots freeze
/// the volume, and a diff reports every block with a sector written after the base. For format tests; the property
/// tests use the simulator's real replicas.
/// </summary>
public sealed class MemorySnapshotSource : ISnapshotSource
{
    private const int Sector = 4096;
    private readonly Dictionary<long, byte[]> _live = new();
    private readonly Dictionary<long, int> _writtenAt = new();
    private readonly List<(string Name, Dictionary<long, byte[]> Data, Dictionary<long, int> WrittenAt, int Generation)> _snapshots = [];
    private int _generation = 1;

    public MemorySnapshotSource(long size) => VolumeSize = size;

    public long VolumeSize { get; }

    public void Write(long offset, ReadOnlySpan<byte> data)
    {
        if (offset % Sector != 0 || data.Length % Sector != 0) throw new ArgumentException("sector-aligned writes only");
        for (var i = 0; i < data.Length; i += Sector)
        {
            _live[offset + i] = data.Slice(i, Sector).ToArray();
            _writtenAt[offset + i] = _generation;
        }
    }

    public void Fill(long offset, long length, byte value)
    {
        var chunk = new byte[Sector];
        Array.Fill(chunk, value);
        for (long o = 0; o < length; o += Sector) Write(offset + o, chunk);
    }

    public void Snapshot(string name)
    {
        _snapshots.Add((name, new Dictionary<long, byte[]>(_live), new Dictionary<long, int>(_writtenAt), _generation));
        _generation++;
    }

    public void DeleteSnapshot(string name) => _snapshots.RemoveAll(s => s.Name == name);

    public byte[] Image(string snapshot)
    {
        var s = _snapshots.Single(x => x.Name == snapshot);
        var image = new byte[VolumeSize];
        foreach (var (offset, data) in s.Data) data.CopyTo(image, offset);
        return image;
    }

    public ValueTask<bool> HasSnapshotAsync(string snapshotName, CancellationToken cancellationToken) =>
        ValueTask.FromResult(_snapshots.Any(s => s.Name == snapshotName));

    public ValueTask<ISnapshotReader> OpenSnapshotAsync(string snapshotName, CancellationToken cancellationToken)
    {
        var s = _snapshots.SingleOrDefault(x => x.Name == snapshotName);
        if (s.Name is null) throw new InvalidOperationException($"snapshot {snapshotName} not found");
        return ValueTask.FromResult<ISnapshotReader>(new Reader(this, s.Data, s.WrittenAt, s.Generation));
    }

    private sealed class Reader(MemorySnapshotSource owner, Dictionary<long, byte[]> data, Dictionary<long, int> writtenAt, int generation) : ISnapshotReader
    {
        public ValueTask<IReadOnlyList<BlockMapping>> CompareAsync(string? baseSnapshotName, long blockSize, CancellationToken cancellationToken)
        {
            var baseGeneration = 0;
            if (baseSnapshotName is not null)
            {
                var b = owner._snapshots.SingleOrDefault(x => x.Name == baseSnapshotName);
                if (b.Name is null) throw new SnapshotNotInChainException(baseSnapshotName);
                baseGeneration = b.Generation;
            }
            IReadOnlyList<BlockMapping> mappings = writtenAt
                .Where(kv => kv.Value > baseGeneration && kv.Value <= generation)
                .Select(kv => kv.Key - kv.Key % blockSize)
                .Distinct()
                .Order()
                .Select(o => new BlockMapping(o, blockSize))
                .ToList();
            return ValueTask.FromResult(mappings);
        }

        public ValueTask ReadAsync(long offset, Memory<byte> buffer, CancellationToken cancellationToken)
        {
            buffer.Span.Clear();
            for (var i = 0; i < buffer.Length; i += Sector)
                if (data.TryGetValue(offset + i, out var sector)) sector.CopyTo(buffer.Span[i..]);
            return ValueTask.CompletedTask;
        }

        public ValueTask DisposeAsync() => ValueTask.CompletedTask;
    }
}
