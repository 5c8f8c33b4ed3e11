using Longhorn.Engine.Snapshots;

namespace Longhorn.Engine.Tests.Support;

/// <summary>A snapshot source whose block reads wait for <see cref="Open"/>: a backup that runs as long as the test wants.</summary>
public sealed class GatedSnapshotSource(ISnapshotSource inner) : ISnapshotSource
{
    private readonly TaskCompletionSource _entered = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource _open = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Completes when the backup first reads a block (its lock is held and its placeholder written).</summary>
    public Task Entered => _entered.Task;

    public void Open() => _open.TrySetResult();

    public long VolumeSize => inner.VolumeSize;

    public ValueTask<bool> HasSnapshotAsync(string snapshotName, CancellationToken ct) => inner.HasSnapshotAsync(snapshotName, ct);

    public async ValueTask<ISnapshotReader> OpenSnapshotAsync(string snapshotName, CancellationToken ct) =>
        new Reader(await inner.OpenSnapshotAsync(snapshotName, ct), this);

    private sealed class Reader(ISnapshotReader inner, GatedSnapshotSource owner) : ISnapshotReader
    {
        public ValueTask<IReadOnlyList<BlockMapping>> CompareAsync(string? baseSnapshotName, long blockSize, CancellationToken ct) =>
            inner.CompareAsync(baseSnapshotName, blockSize, ct);

        public async ValueTask ReadAsync(long offset, Memory<byte> buffer, CancellationToken ct)
        {
            owner._entered.TrySetResult();
            await owner._open.Task.WaitAsync(ct);
            await inner.ReadAsync(offset, buffer, ct);
        }

        public ValueTask DisposeAsync() => inner.DisposeAsync();
    }
}
