using Longhorn.Engine.Snapshots;

namespace Longhorn.CrashProbe;

/// <summary>
/// The volume every probe backs up, the same in the probe and in the tests: 16 MiB, 2 MiB blocks. Snapshot s1 holds
/// blocks 0–3 from fixed seeds; s2 changes blocks 1 and 2. A reader may wait for a file before reading blocks (to hold a
/// backup's lock while another process tries its luck).
/// </summary>
public sealed class ProbeVolume(string? gateFile = null) : ISnapshotSource
{
    public const int BlockSize = 2 * 1024 * 1024;
    public const long Size = 16L * 1024 * 1024;
    private static readonly string[] Snapshots = ["s1", "s2"];

    public long VolumeSize => Size;

    /// <summary>Block <paramref name="index"/> of a snapshot, or null where it holds no data.</summary>
    public static byte[]? Block(string snapshot, int index)
    {
        if (index > 3) return null;
        var seed = snapshot == "s2" && index is 1 or 2 ? 100 + index : index;
        var block = new byte[BlockSize];
        new Random(seed).NextBytes(block);
        return block;
    }

    /// <summary>The whole image of a snapshot.</summary>
    public static byte[] Image(string snapshot)
    {
        var image = new byte[Size];
        for (var i = 0; i < Size / BlockSize; i++) Block(snapshot, i)?.CopyTo(image, i * BlockSize);
        return image;
    }

    public ValueTask<bool> HasSnapshotAsync(string snapshotName, CancellationToken cancellationToken) =>
        ValueTask.FromResult(Snapshots.Contains(snapshotName));

    public ValueTask<ISnapshotReader> OpenSnapshotAsync(string snapshotName, CancellationToken cancellationToken) =>
        ValueTask.FromResult<ISnapshotReader>(new Reader(snapshotName, gateFile));

    private sealed class Reader(string snapshot, string? gateFile) : ISnapshotReader
    {
        public ValueTask<IReadOnlyList<BlockMapping>> CompareAsync(string? baseSnapshotName, long blockSize, CancellationToken cancellationToken)
        {
            int[] changed = baseSnapshotName == "s1" && snapshot == "s2" ? [1, 2] : [0, 1, 2, 3];
            return ValueTask.FromResult<IReadOnlyList<BlockMapping>>(changed.Select(i => new BlockMapping((long)i * BlockSize, BlockSize)).ToList());
        }

        public async ValueTask ReadAsync(long offset, Memory<byte> buffer, CancellationToken cancellationToken)
        {
            while (gateFile is not null && !File.Exists(gateFile)) await Task.Delay(20, cancellationToken);
            var block = Block(snapshot, (int)(offset / BlockSize));
            if (block is null) buffer.Span.Clear();
            else block.CopyTo(buffer);
        }

        public ValueTask DisposeAsync() => ValueTask.CompletedTask;
    }
}
