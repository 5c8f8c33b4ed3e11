using System.Security.Cryptography;

namespace Longhorn.Simulator.S3;

/// <summary>
/// A request body read through to its end that is then checked against what the client declared: its length, the
/// signed SHA-256, Content-MD5 and a flexible checksum (header or trailer). A mismatch throws before the caller can
/// commit the object, so a corrupted upload never becomes visible.
/// </summary>
internal sealed class VerifyingStream : ForwardReadStream
{
    private readonly Stream _inner;
    private readonly long? _expectedLength;
    private readonly string? _sha256Hex;
    private readonly string? _md5Base64;
    private readonly ChecksumAlgorithm? _checksum;
    private readonly Func<string?> _expectedChecksum;
    private readonly IncrementalHash? _sha256;
    private readonly IncrementalHash? _md5;
    private long _length;
    private bool _verified;

    public VerifyingStream(Stream inner, long? expectedLength, string? sha256Hex, string? md5Base64, ChecksumAlgorithm? checksum,
        Func<string?> expectedChecksum)
    {
        _inner = inner;
        _expectedLength = expectedLength;
        _sha256Hex = sha256Hex;
        _md5Base64 = md5Base64;
        _checksum = checksum;
        _expectedChecksum = expectedChecksum;
        if (sha256Hex is not null) _sha256 = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        if (md5Base64 is not null) _md5 = IncrementalHash.CreateHash(HashAlgorithmName.MD5);
    }

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        var n = await _inner.ReadAsync(buffer, cancellationToken).ConfigureAwait(false);
        if (n == 0)
        {
            Verify();
            return 0;
        }
        var span = buffer.Span[..n];
        _sha256?.AppendData(span);
        _md5?.AppendData(span);
        _checksum?.Append(span);
        _length += n;
        if (_length > _expectedLength) throw S3Error.InvalidRequest("The request body is longer than its declared length.");
        return n;
    }

    private void Verify()
    {
        if (_verified) return;
        _verified = true;
        if (_expectedLength is { } expected && _length != expected)
            throw S3Error.IncompleteBody($"You did not provide the number of bytes specified by the Content-Length HTTP header ({_length} of {expected}).");
        if (_sha256 is not null && SigV4.Hex(_sha256.GetHashAndReset()) != _sha256Hex) throw S3Error.ContentSha256Mismatch();
        if (_md5 is not null && Convert.ToBase64String(_md5.GetHashAndReset()) != _md5Base64)
            throw S3Error.BadDigest("The Content-MD5 you specified did not match what we received.");
        if (_checksum is not null && _expectedChecksum() is { } declared && declared != _checksum.ToBase64())
            throw S3Error.BadDigest($"The {_checksum.Name.ToUpperInvariant()} you specified did not match the calculated checksum.");
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _sha256?.Dispose();
            _md5?.Dispose();
        }
        base.Dispose(disposing);
    }
}
