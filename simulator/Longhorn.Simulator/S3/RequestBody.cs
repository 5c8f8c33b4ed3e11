using System.Globalization;

namespace Longhorn.Simulator.S3;

/// <summary>
/// Opens a request body for reading as the object's bytes: aws-chunked framing decoded and its signatures checked,
/// then length, signed SHA-256, Content-MD5 and flexible checksums (header or trailer) verified at its end.
/// </summary>
public static class RequestBody
{
    public static Stream Open(S3Call call, bool rejectChunked = false)
    {
        var payloadHash = call.Signed.PayloadHash;
        Stream body = call.Request.Body;
        AwsChunkedStream? chunked = null;
        long? length = call.Request.ContentLength;
        if (payloadHash.StartsWith("STREAMING-", StringComparison.Ordinal))
        {
            if (rejectChunked) throw S3Error.NotImplemented("An aws-chunked upload (x-amz-content-sha256: " + payloadHash + ")");
            var signed = payloadHash is SigV4.StreamingSigned or SigV4.StreamingSignedTrailer ? call.Signed : null;
            if (signed is null && payloadHash != SigV4.StreamingUnsignedTrailer)
                throw S3Error.InvalidArgument($"x-amz-content-sha256 '{payloadHash}' is not a supported streaming mode.");
            chunked = new AwsChunkedStream(body, signed, call.Signed.Signature);
            body = chunked;
            length = long.TryParse(call.Header("x-amz-decoded-content-length"), NumberStyles.None, CultureInfo.InvariantCulture, out var decoded)
                ? decoded
                : null;
        }

        var sha256 = payloadHash.Length == 64 && payloadHash.All(char.IsAsciiHexDigit) ? payloadHash.ToLowerInvariant() : null;
        var md5 = call.Header("Content-MD5") is { Length: > 0 } m ? m : null;
        var trailer = call.Header("x-amz-trailer").Trim().ToLowerInvariant();
        var checksumHeader = trailer.Length > 0
            ? trailer
            : call.Request.Headers.Keys.FirstOrDefault(k => ChecksumAlgorithm.ForHeader(k) is not null);
        var checksum = checksumHeader is null ? null : ChecksumAlgorithm.ForHeader(checksumHeader);
        var declared = checksumHeader is null || trailer.Length > 0 ? null : call.Header(checksumHeader);
        return new VerifyingStream(body, length, sha256, md5, checksum,
            () => declared ?? (chunked is not null && checksumHeader is not null ? chunked.Trailers.GetValueOrDefault(checksumHeader) : null));
    }
}
