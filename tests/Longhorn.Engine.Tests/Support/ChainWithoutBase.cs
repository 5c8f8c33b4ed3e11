using Longhorn.Engine.Snapshots;

namespace Longhorn.Engine.Tests.Support;

/// <summary>A replica whose chain no longer holds the base snapshot (it was coalesced away): every diff from a base fails.</summary>
public sealed class ChainWithoutBase(ISnapshotSource inner) : ISnapshotSource
{
    public long VolumeSize => inner.VolumeSize;
    public ValueTask<bool> HasSnapshotAsync(string name, CancellationToken ct) => inner.HasSnapshotAsync(name, ct);

    public async ValueTask<ISnapshotReader> OpenSnapshotAsync(string name, CancellationToken ct) => new Reader(await inner.OpenSnapshotAsync(name, ct));

    private sealed class Reader(ISnapshotReader inner) : ISnapshotReader
    {
        public ValueTask<IReadOnlyList<BlockMapping>> CompareAsync(string? baseName, long blockSize, CancellationToken ct) =>
            baseName is null ? inner.CompareAsync(null, blockSize, ct) : throw new SnapshotNotInChainException(baseName);

        public ValueTask ReadAsync(long offset, Memory<byte> buffer, CancellationToken ct) => inner.ReadAsync(offset, buffer, ct);
        public ValueTask DisposeAsync() => inner.DisposeAsync();
    }
}
