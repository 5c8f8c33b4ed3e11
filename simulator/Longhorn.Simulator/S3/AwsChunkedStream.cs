using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace Longhorn.Simulator.S3;

/// <summary>
/// Decodes an <c>aws-chunked</c> body (<c>STREAMING-AWS4-HMAC-SHA256-PAYLOAD</c>, its <c>-TRAILER</c> form, and
/// <c>STREAMING-UNSIGNED-PAYLOAD-TRAILER</c>): strips the chunk framing, checks each chunk signature against the seed
/// signature chain, and collects the trailing headers (such as <c>x-amz-checksum-crc32</c>) with their signature.
/// </summary>
internal sealed class AwsChunkedStream : ForwardReadStream
{
    private const int MaxLine = 4096;
    private readonly Stream _inner;
    private readonly SignedRequest? _signing;
    private readonly byte[] _buffer = new byte[64 * 1024];
    private readonly Dictionary<string, string> _trailers = new(StringComparer.OrdinalIgnoreCase);
    private int _start;
    private int _end;
    private long _remaining;
    private bool _inChunk;
    private bool _done;
    private string _chunkSignature = "";
    private string _previousSignature;
    private IncrementalHash? _chunkHash;

    /// <param name="signing">The request's signature when chunks are signed; null for unsigned chunks.</param>
    public AwsChunkedStream(Stream inner, SignedRequest? signing, string seedSignature)
    {
        _inner = inner;
        _signing = signing;
        _previousSignature = seedSignature;
        if (signing is not null) _chunkHash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
    }

    /// <summary>The trailing headers, once the body has been read to its end.</summary>
    public IReadOnlyDictionary<string, string> Trailers => _trailers;

    public override async ValueTask<int> ReadAsync(Memory<byte> destination, CancellationToken cancellationToken = default)
    {
        while (!_done && _remaining == 0)
            await NextChunkAsync(cancellationToken).ConfigureAwait(false);
        if (_done || destination.Length == 0) return 0;
        if (_start == _end && !await FillAsync(cancellationToken).ConfigureAwait(false))
            throw S3Error.IncompleteBody("The aws-chunked body ended inside a chunk.");
        var n = (int)Math.Min(Math.Min(destination.Length, _end - _start), _remaining);
        _buffer.AsSpan(_start, n).CopyTo(destination.Span);
        _chunkHash?.AppendData(_buffer, _start, n);
        _start += n;
        _remaining -= n;
        return n;
    }

    private async Task NextChunkAsync(CancellationToken cancellationToken)
    {
        if (_inChunk)
        {
            if (await ReadLineAsync(cancellationToken).ConfigureAwait(false) != "")
                throw S3Error.IncompleteBody("An aws-chunked chunk is not followed by CRLF.");
            VerifyChunk();
        }
        var header = await ReadLineAsync(cancellationToken).ConfigureAwait(false);
        var parts = header.Split(';', 2);
        if (!long.TryParse(parts[0], NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out var size) || size < 0)
            throw S3Error.IncompleteBody($"Malformed aws-chunked chunk header '{header}'.");
        _chunkSignature = parts.Length > 1 && parts[1].StartsWith("chunk-signature=", StringComparison.Ordinal)
            ? parts[1]["chunk-signature=".Length..]
            : "";
        if (_signing is not null && _chunkSignature.Length == 0)
            throw S3Error.SignatureDoesNotMatch();
        _inChunk = true;
        _remaining = size;
        if (size > 0) return;

        VerifyChunk();
        await ReadTrailersAsync(cancellationToken).ConfigureAwait(false);
        _done = true;
    }

    private void VerifyChunk()
    {
        _inChunk = false;
        if (_signing is null || _chunkHash is null) return;
        var stringToSign = $"AWS4-HMAC-SHA256-PAYLOAD\n{_signing.AmzDate}\n{_signing.Scope}\n{_previousSignature}\n{SigV4.EmptySha256}\n" +
                           SigV4.Hex(_chunkHash.GetHashAndReset());
        if (SigV4.Sign(_signing.SigningKey, stringToSign) != _chunkSignature) throw S3Error.SignatureDoesNotMatch();
        _previousSignature = _chunkSignature;
    }

    private async Task ReadTrailersAsync(CancellationToken cancellationToken)
    {
        var canonical = new StringBuilder();
        string? trailerSignature = null;
        while (true)
        {
            var line = await ReadLineAsync(cancellationToken, allowEnd: true).ConfigureAwait(false);
            if (line is null or "") break;
            var colon = line.IndexOf(':', StringComparison.Ordinal);
            if (colon <= 0) throw S3Error.IncompleteBody($"Malformed aws-chunked trailer '{line}'.");
            var (name, value) = (line[..colon].Trim().ToLowerInvariant(), line[(colon + 1)..].Trim());
            if (name == "x-amz-trailer-signature")
            {
                trailerSignature = value;
                continue;
            }
            _trailers[name] = value;
            canonical.Append(name).Append(':').Append(value).Append('\n');
        }
        if (_signing is not null && _trailers.Count > 0)
        {
            var stringToSign = $"AWS4-HMAC-SHA256-TRAILER\n{_signing.AmzDate}\n{_signing.Scope}\n{_previousSignature}\n" +
                               SigV4.Sha256Hex(canonical.ToString());
            if (trailerSignature is null || SigV4.Sign(_signing.SigningKey, stringToSign) != trailerSignature)
                throw S3Error.SignatureDoesNotMatch();
        }
    }

    private async Task<string> ReadLineAsync(CancellationToken cancellationToken) =>
        await ReadLineAsync(cancellationToken, allowEnd: false).ConfigureAwait(false)
        ?? throw S3Error.IncompleteBody("The aws-chunked body ended early.");

    /// <summary>One CRLF-terminated line without its terminator; null at the end of the body when allowed.</summary>
    private async Task<string?> ReadLineAsync(CancellationToken cancellationToken, bool allowEnd)
    {
        while (true)
        {
            var newline = _buffer.AsSpan(_start, _end - _start).IndexOf("\r\n"u8);
            if (newline >= 0)
            {
                var line = Encoding.ASCII.GetString(_buffer, _start, newline);
                _start += newline + 2;
                return line;
            }
            if (_end - _start > MaxLine) throw S3Error.IncompleteBody("An aws-chunked line is too long.");
            if (!await FillAsync(cancellationToken).ConfigureAwait(false))
            {
                if (allowEnd && _start == _end) return null;
                throw S3Error.IncompleteBody("The aws-chunked body ended early.");
            }
        }
    }

    private async Task<bool> FillAsync(CancellationToken cancellationToken)
    {
        if (_start > 0)
        {
            _buffer.AsSpan(_start, _end - _start).CopyTo(_buffer);
            _end -= _start;
            _start = 0;
        }
        var n = await _inner.ReadAsync(_buffer.AsMemory(_end), cancellationToken).ConfigureAwait(false);
        _end += n;
        return n > 0;
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing) _chunkHash?.Dispose();
        base.Dispose(disposing);
    }
}
