using System.Buffers;
using System.Security.Cryptography;

namespace Longhorn.Simulator.S3;

/// <summary>Where an object's bytes are written: a file, with the MD5 and the length kept as they pass.</summary>
public sealed class ObjectSink
{
    private const int BufferSize = 128 * 1024;
    private readonly Stream _file;
    private readonly IncrementalHash _md5;

    internal ObjectSink(Stream file, IncrementalHash md5)
    {
        _file = file;
        _md5 = md5;
    }

    public long Length { get; private set; }

    public async ValueTask WriteAsync(ReadOnlyMemory<byte> data, CancellationToken cancellationToken)
    {
        _md5.AppendData(data.Span);
        Length += data.Length;
        await _file.WriteAsync(data, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Copies up to <paramref name="limit"/> bytes (all when null) from a stream, in a pooled buffer.</summary>
    public async Task CopyFromAsync(Stream source, long? limit, CancellationToken cancellationToken)
    {
        var buffer = ArrayPool<byte>.Shared.Rent(BufferSize);
        try
        {
            var left = limit ?? long.MaxValue;
            while (left > 0)
            {
                var n = await source.ReadAsync(buffer.AsMemory(0, (int)Math.Min(buffer.Length, left)), cancellationToken).ConfigureAwait(false);
                if (n == 0) break;
                await WriteAsync(buffer.AsMemory(0, n), cancellationToken).ConfigureAwait(false);
                left -= n;
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }
}
