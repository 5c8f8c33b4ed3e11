using Longhorn.Engine.Snapshots;

namespace Longhorn.Engine.Tests.Support;

/// <summary>Records what a restore asked the target to do.</summary>
public sealed class RecordingTarget : IRestoreTarget
{
    public long Size { get; private set; }
    public List<(long Offset, byte[] Data)> Writes { get; } = [];
    public List<(long Offset, long Length)> Zeros { get; } = [];

    public ValueTask PrepareAsync(long size, CancellationToken ct) { Size = size; return ValueTask.CompletedTask; }

    public ValueTask WriteAsync(long offset, ReadOnlyMemory<byte> data, CancellationToken ct)
    {
        lock (Writes) Writes.Add((offset, data.ToArray()));
        return ValueTask.CompletedTask;
    }

    public ValueTask FillZerosAsync(long offset, long length, CancellationToken ct)
    {
        lock (Zeros) Zeros.Add((offset, length));
        return ValueTask.CompletedTask;
    }
}
