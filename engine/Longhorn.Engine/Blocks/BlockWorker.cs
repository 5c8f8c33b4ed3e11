using System.Buffers;

namespace Longhorn.Engine.Blocks;

/// <summary>One pipeline worker's state: a pooled block buffer and its own codec.</summary>
internal sealed class BlockWorker : IDisposable
{
    private readonly byte[] _buffer;

    public BlockWorker(long blockSize, bool lz4ContentChecksum)
    {
        BlockSize = checked((int)blockSize);
        _buffer = ArrayPool<byte>.Shared.Rent(BlockSize);
        Codec = new BlockCodec(blockSize, lz4ContentChecksum);
    }

    public int BlockSize { get; }

    public BlockCodec Codec { get; }

    /// <summary>Exactly one block of this worker's buffer.</summary>
    public Memory<byte> Block => _buffer.AsMemory(0, BlockSize);

    public void Dispose()
    {
        Codec.Dispose();
        ArrayPool<byte>.Shared.Return(_buffer);
    }
}
