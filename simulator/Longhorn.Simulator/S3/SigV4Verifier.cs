using System.Globalization;
using System.Text;
using Microsoft.AspNetCore.Http;

namespace Longhorn.Simulator.S3;

/// <summary>
/// Checks AWS Signature Version 4 of a request, in the Authorization header or in a presigned query, against the
/// configured access keys, as S3 does: unknown key, wrong signature, skewed clock and expired links are refused.
/// </summary>
public sealed class SigV4Verifier(IReadOnlyDictionary<string, string> keys, TimeProvider time)
{
    private static readonly TimeSpan MaxSkew = TimeSpan.FromMinutes(15);

    /// <summary>Verifies the request; <paramref name="rawPath"/> and <paramref name="rawQuery"/> are as sent on the wire.</summary>
    public SignedRequest Verify(HttpRequest request, string rawPath, string rawQuery)
    {
        var query = ParseQuery(rawQuery);
        var authorization = request.Headers.Authorization.ToString();
        if (authorization.StartsWith(SigV4.Algorithm + " ", StringComparison.Ordinal))
            return VerifyHeader(request, rawPath, query, authorization);
        if (query.Any(p => p.Name == "X-Amz-Algorithm"))
            return VerifyPresigned(request, rawPath, query);
        if (authorization.Length > 0 || query.Any(p => p.Name == "Signature"))
            throw S3Error.InvalidRequest("The authorization mechanism you have provided is not supported. Please use AWS4-HMAC-SHA256.");
        throw S3Error.AccessDenied("Anonymous access is not allowed.");
    }

    private SignedRequest VerifyHeader(HttpRequest request, string rawPath, List<(string Name, string Value)> query, string authorization)
    {
        var fields = authorization[(SigV4.Algorithm.Length + 1)..]
            .Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries)
            .Select(f => f.Split('=', 2))
            .Where(f => f.Length == 2)
            .ToDictionary(f => f[0], f => f[1], StringComparer.Ordinal);
        if (!fields.TryGetValue("Credential", out var credential) || !fields.TryGetValue("SignedHeaders", out var signedHeaders)
            || !fields.TryGetValue("Signature", out var signature))
            throw S3Error.InvalidArgument("Authorization header is malformed: it needs Credential, SignedHeaders and Signature.");
        var amzDate = request.Headers["x-amz-date"].ToString();
        if (amzDate.Length == 0 && DateTimeOffset.TryParse(request.Headers.Date.ToString(), CultureInfo.InvariantCulture,
                DateTimeStyles.AssumeUniversal, out var date))
            amzDate = date.UtcDateTime.ToString("yyyyMMdd'T'HHmmss'Z'", CultureInfo.InvariantCulture);
        var payloadHash = request.Headers["x-amz-content-sha256"].ToString();
        if (payloadHash.Length == 0) payloadHash = SigV4.UnsignedPayload;
        var when = ParseDate(amzDate);
        if ((time.GetUtcNow() - when).Duration() > MaxSkew) throw S3Error.RequestTimeTooSkewed();
        return Check(request, rawPath, query, credential, signedHeaders, signature, amzDate, payloadHash);
    }

    private SignedRequest VerifyPresigned(HttpRequest request, string rawPath, List<(string Name, string Value)> query)
    {
        string Param(string name) => query.FirstOrDefault(p => p.Name == name).Value
                                     ?? throw S3Error.AccessDenied($"Query-string authentication requires {name}.");
        if (Param("X-Amz-Algorithm") != SigV4.Algorithm)
            throw S3Error.InvalidRequest("The authorization mechanism you have provided is not supported. Please use AWS4-HMAC-SHA256.");
        var amzDate = Param("X-Amz-Date");
        if (!int.TryParse(Param("X-Amz-Expires"), NumberStyles.None, CultureInfo.InvariantCulture, out var expires) || expires > 604800)
            throw S3Error.AuthorizationQueryParametersError("X-Amz-Expires must be a number of seconds up to 604800.");
        var signed = ParseDate(amzDate);
        var now = time.GetUtcNow();
        if (signed - now > MaxSkew) throw S3Error.AccessDenied("Request is not valid yet");
        if (now > signed.AddSeconds(expires)) throw S3Error.AccessDenied("Request has expired");
        var payloadHash = query.FirstOrDefault(p => p.Name == "X-Amz-Content-Sha256").Value ?? SigV4.UnsignedPayload;
        var unsigned = query.Where(p => p.Name != "X-Amz-Signature").ToList();
        return Check(request, rawPath, unsigned, Param("X-Amz-Credential"), Param("X-Amz-SignedHeaders"), Param("X-Amz-Signature"),
            amzDate, payloadHash);
    }

    private SignedRequest Check(HttpRequest request, string rawPath, List<(string Name, string Value)> query, string credential,
        string signedHeaders, string signature, string amzDate, string payloadHash)
    {
        var scopeParts = credential.Split('/');
        if (scopeParts.Length != 5 || scopeParts[4] != "aws4_request")
            throw S3Error.AuthorizationHeaderMalformed($"The credential '{credential}' is malformed.");
        var accessKey = scopeParts[0];
        if (!keys.TryGetValue(accessKey, out var secret)) throw S3Error.InvalidAccessKeyId();
        var scope = string.Join('/', scopeParts[1..]);
        if (!amzDate.StartsWith(scopeParts[1], StringComparison.Ordinal))
            throw S3Error.AuthorizationHeaderMalformed("The credential date does not match the request date.");

        var headerNames = signedHeaders.Split(';');
        if (!headerNames.Contains("host")) throw S3Error.AccessDenied("The host header must be signed.");
        var canonicalHeaders = new StringBuilder();
        foreach (var name in headerNames)
            canonicalHeaders.Append(name).Append(':').Append(HeaderValue(request, name)).Append('\n');
        var canonicalQuery = string.Join('&', query
            .Select(p => (Name: SigV4.Encode(p.Name, false), Value: SigV4.Encode(p.Value, false)))
            .OrderBy(p => p.Name, StringComparer.Ordinal).ThenBy(p => p.Value, StringComparer.Ordinal)
            .Select(p => p.Name + "=" + p.Value));

        var signingKey = SigV4.SigningKey(secret, scopeParts[1], scopeParts[2], scopeParts[3]);
        // Clients canonicalise the key as they encoded it on the wire; accept either that or the strict RFC 3986 form.
        var decodedPath = Uri.UnescapeDataString(rawPath);
        foreach (var uri in new[] { rawPath, SigV4.Encode(decodedPath, keepSlash: true) }.Distinct())
        {
            var canonical = $"{request.Method}\n{uri}\n{canonicalQuery}\n{canonicalHeaders}\n{signedHeaders}\n{payloadHash}";
            var stringToSign = $"{SigV4.Algorithm}\n{amzDate}\n{scope}\n{SigV4.Sha256Hex(canonical)}";
            if (SigV4.Sign(signingKey, stringToSign) == signature)
                return new SignedRequest(accessKey, signingKey, amzDate, scope, signature, payloadHash);
        }
        throw S3Error.SignatureDoesNotMatch();
    }

    private static string HeaderValue(HttpRequest request, string name)
    {
        var values = request.Headers[name];
        return string.Join(',', values.Select(v => string.Join(' ', (v ?? "").Split(' ', StringSplitOptions.RemoveEmptyEntries))));
    }

    private static DateTimeOffset ParseDate(string amzDate) =>
        DateTimeOffset.TryParseExact(amzDate, "yyyyMMdd'T'HHmmss'Z'", CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var date)
            ? date
            : throw S3Error.AccessDenied("AWS authentication requires a valid Date or x-amz-date header.");

    /// <summary>The query's parameters, percent-decoded, in wire order; a bare name has an empty value.</summary>
    public static List<(string Name, string Value)> ParseQuery(string rawQuery) =>
        rawQuery.TrimStart('?').Split('&', StringSplitOptions.RemoveEmptyEntries)
            .Select(p => p.Split('=', 2))
            .Select(p => (Uri.UnescapeDataString(p[0]), p.Length > 1 ? Uri.UnescapeDataString(p[1]) : ""))
            .ToList();
}
