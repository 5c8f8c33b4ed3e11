using System.Buffers;
using System.IO.Compression;

namespace Longhorn.Engine.Blocks;

/// <summary>
/// Compresses and decompresses block objects with one worker's reusable buffers and LZ4 context.
/// Not thread-safe: each pipeline worker owns one.
/// </summary>
internal sealed class BlockCodec : IDisposable
{
    private readonly int _blockSize;
    private byte[] _output;
    private nint _lz4Context;

    /// <param name="blockSize">The uncompressed block size; buffers are sized for it.</param>
    /// <param name="lz4ContentChecksum">
    /// Whether LZ4 frames carry the XXH32 content checksum. Go's writer adds one; it is off by default because every
    /// block is already verified against its SHA-512 id on restore and the checksum costs more than the compression
    /// of incompressible data (see the benchmark results). Go's reader accepts frames either way.
    /// </param>
    public BlockCodec(long blockSize, bool lz4ContentChecksum = false)
    {
        _blockSize = checked((int)blockSize);
        Lz4ContentChecksum = lz4ContentChecksum;
        _output = ArrayPool<byte>.Shared.Rent(CompressBound(_blockSize));
    }

    public bool Lz4ContentChecksum { get; }

    /// <summary>Compresses one block; the result is valid until the next call on this codec.</summary>
    public ReadOnlyMemory<byte> Compress(ReadOnlySpan<byte> block, CompressionMethod method) => method switch
    {
        CompressionMethod.None => CopyToOutput(block),
        CompressionMethod.Gzip => CompressGzip(block),
        CompressionMethod.Lz4 => CompressLz4(block),
        _ => throw new ArgumentOutOfRangeException(nameof(method)),
    };

    /// <summary>
    /// Decompresses a block object into <paramref name="destination"/> and returns the decompressed length.
    /// Throws <see cref="InvalidDataException"/> when the bytes are not valid for the method or do not fit.
    /// </summary>
    public int Decompress(ReadOnlySpan<byte> stored, CompressionMethod method, Span<byte> destination) => method switch
    {
        CompressionMethod.None => CopyRaw(stored, destination),
        CompressionMethod.Gzip => DecompressGzip(stored, destination),
        CompressionMethod.Lz4 => DecompressLz4(stored, destination),
        _ => throw new ArgumentOutOfRangeException(nameof(method)),
    };

    public void Dispose()
    {
        if (_lz4Context != 0)
        {
            Lz4Native.FreeDecompressionContext(_lz4Context);
            _lz4Context = 0;
        }
        if (_output.Length > 0)
        {
            ArrayPool<byte>.Shared.Return(_output);
            _output = [];
        }
    }

    private static int CompressBound(int blockSize)
    {
        var preferences = Preferences(true);
        var lz4 = (long)Lz4Native.CompressFrameBound((nuint)blockSize, preferences);
        // Deflate's worst case adds about 5 bytes per 16 KiB stored block plus the gzip header and trailer.
        var gzip = blockSize + blockSize / 1000 + 1024;
        return (int)Math.Max(lz4, gzip);
    }

    private static Lz4Native.Preferences Preferences(bool contentChecksum) => new()
    {
        // pierrec/lz4 v4 defaults: 4 MiB blocks, independent, content checksum, no dictionary id.
        FrameInfo = new Lz4Native.FrameInfo
        {
            BlockSizeId = Lz4Native.BlockSizeMax4MB,
            BlockMode = Lz4Native.BlockIndependent,
            ContentChecksumFlag = contentChecksum ? 1 : 0,
        },
        CompressionLevel = 0,
    };

    private ReadOnlyMemory<byte> CopyToOutput(ReadOnlySpan<byte> block)
    {
        EnsureOutput(block.Length);
        block.CopyTo(_output);
        return _output.AsMemory(0, block.Length);
    }

    private ReadOnlyMemory<byte> CompressGzip(ReadOnlySpan<byte> block)
    {
        EnsureOutput(CompressBound(block.Length));
        using var sink = new MemoryStream(_output, 0, _output.Length, writable: true);
        using (var gzip = new GZipStream(sink, CompressionLevel.Optimal, leaveOpen: true))
            gzip.Write(block);
        return _output.AsMemory(0, (int)sink.Position);
    }

    private unsafe ReadOnlyMemory<byte> CompressLz4(ReadOnlySpan<byte> block)
    {
        var preferences = Preferences(Lz4ContentChecksum);
        EnsureOutput(checked((int)Lz4Native.CompressFrameBound((nuint)block.Length, preferences)));
        nuint written;
        fixed (byte* src = block)
        fixed (byte* dst = _output)
            written = Lz4Native.CompressFrame(dst, (nuint)_output.Length, src, (nuint)block.Length, preferences);
        if (Lz4Native.IsError(written) != 0)
            throw new InvalidOperationException($"lz4 compression failed: {Lz4Native.ErrorName(written)}");
        return _output.AsMemory(0, (int)written);
    }

    private static int CopyRaw(ReadOnlySpan<byte> stored, Span<byte> destination)
    {
        if (stored.Length > destination.Length)
            throw new InvalidDataException($"block is {stored.Length} bytes, larger than the block size {destination.Length}");
        stored.CopyTo(destination);
        return stored.Length;
    }

    private static int DecompressGzip(ReadOnlySpan<byte> stored, Span<byte> destination)
    {
        if (stored.Length < 2 || stored[0] != 0x1f || stored[1] != 0x8b)
            throw new InvalidDataException("gzip: invalid header");
        unsafe
        {
            fixed (byte* p = stored)
            {
                using var source = new UnmanagedMemoryStream(p, stored.Length);
                using var gzip = new GZipStream(source, CompressionMode.Decompress);
                var total = 0;
                while (true)
                {
                    var n = gzip.Read(destination[total..]);
                    if (n == 0) break;
                    total += n;
                    if (total == destination.Length && gzip.ReadByte() >= 0)
                        throw new InvalidDataException($"decompressed block is larger than the block size {destination.Length}");
                }
                return total;
            }
        }
    }

    private unsafe int DecompressLz4(ReadOnlySpan<byte> stored, Span<byte> destination)
    {
        if (stored.Length < 4 || !(stored[0] == 0x04 && stored[1] == 0x22 && stored[2] == 0x4d && stored[3] == 0x18))
            throw new InvalidDataException("lz4: bad magic number");
        if (_lz4Context == 0)
        {
            var created = Lz4Native.CreateDecompressionContext(out _lz4Context, Lz4Native.Version);
            if (Lz4Native.IsError(created) != 0)
                throw new InvalidOperationException($"lz4: {Lz4Native.ErrorName(created)}");
        }
        Lz4Native.ResetDecompressionContext(_lz4Context);
        var total = 0;
        var consumed = 0;
        fixed (byte* src = stored)
        fixed (byte* dst = destination)
        {
            // Concatenated frames are decoded one after another, as Go's reader does.
            while (consumed < stored.Length)
            {
                var dstSize = (nuint)(destination.Length - total);
                var srcSize = (nuint)(stored.Length - consumed);
                var hint = Lz4Native.Decompress(_lz4Context, dst + total, ref dstSize, src + consumed, ref srcSize, 0);
                if (Lz4Native.IsError(hint) != 0)
                    throw new InvalidDataException($"lz4: {Lz4Native.ErrorName(hint)}");
                total += (int)dstSize;
                consumed += (int)srcSize;
                if (hint != 0 && srcSize == 0 && dstSize == 0)
                {
                    if (total == destination.Length)
                        throw new InvalidDataException($"decompressed block is larger than the block size {destination.Length}");
                    throw new InvalidDataException("lz4: truncated frame");
                }
                if (hint != 0 && consumed >= stored.Length)
                    throw new InvalidDataException("lz4: truncated frame");
            }
        }
        return total;
    }

    private void EnsureOutput(int size)
    {
        if (_output.Length >= size) return;
        ArrayPool<byte>.Shared.Return(_output);
        _output = ArrayPool<byte>.Shared.Rent(size);
    }
}
