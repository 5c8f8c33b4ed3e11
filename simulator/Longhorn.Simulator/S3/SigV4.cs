using System.Security.Cryptography;
using System.Text;

namespace Longhorn.Simulator.S3;

/// <summary>AWS Signature Version 4 primitives: URI encoding, hashing and the signing-key derivation.</summary>
public static class SigV4
{
    public const string Algorithm = "AWS4-HMAC-SHA256";
    public const string UnsignedPayload = "UNSIGNED-PAYLOAD";
    public const string StreamingSigned = "STREAMING-AWS4-HMAC-SHA256-PAYLOAD";
    public const string StreamingSignedTrailer = "STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER";
    public const string StreamingUnsignedTrailer = "STREAMING-UNSIGNED-PAYLOAD-TRAILER";
    public static readonly string EmptySha256 = Hex(SHA256.HashData([]));

    /// <summary>RFC 3986 encoding as SigV4 wants it: unreserved characters kept, the rest as upper-case %XX of UTF-8.</summary>
    public static string Encode(string value, bool keepSlash)
    {
        var builder = new StringBuilder(value.Length);
        foreach (var b in Encoding.UTF8.GetBytes(value))
        {
            var c = (char)b;
            if (char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.' or '~' || (keepSlash && c == '/')) builder.Append(c);
            else builder.Append('%').Append(b.ToString("X2"));
        }
        return builder.ToString();
    }

    public static string Hex(ReadOnlySpan<byte> bytes) => Convert.ToHexStringLower(bytes);

    public static string Sha256Hex(string text) => Hex(SHA256.HashData(Encoding.UTF8.GetBytes(text)));

    public static byte[] Hmac(byte[] key, string data) => HMACSHA256.HashData(key, Encoding.UTF8.GetBytes(data));

    /// <summary>kSigning = HMAC chain of date, region, service and "aws4_request" from "AWS4" + secret.</summary>
    public static byte[] SigningKey(string secret, string date, string region, string service) =>
        Hmac(Hmac(Hmac(Hmac(Encoding.UTF8.GetBytes("AWS4" + secret), date), region), service), "aws4_request");

    public static string Sign(byte[] signingKey, string stringToSign) => Hex(Hmac(signingKey, stringToSign));
}
