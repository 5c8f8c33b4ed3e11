using System.Globalization;
using Microsoft.AspNetCore.Http;

namespace Longhorn.Simulator.S3;

/// <summary>One authenticated S3 request, addressed: its bucket and key (path-style or virtual-hosted) and its query.</summary>
public sealed record S3Call(HttpContext Context, string? Bucket, string? Key, IReadOnlyList<(string Name, string Value)> Query, SignedRequest Signed)
{
    public HttpRequest Request => Context.Request;
    public HttpResponse Response => Context.Response;
    public CancellationToken Aborted => Context.RequestAborted;

    public bool Has(string name) => Query.Any(p => p.Name == name);

    public string? Get(string name) => Query.Where(p => p.Name == name).Select(p => p.Value).FirstOrDefault();

    public int GetInt(string name, int fallback, int min, int max)
    {
        var value = Get(name);
        if (value is null) return fallback;
        if (!int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var number) || number < min)
            throw S3Error.InvalidArgument($"{name} must be an integer of at least {min}.");
        return Math.Min(number, max);
    }

    public string Header(string name) => Request.Headers[name].ToString();

    /// <summary>The request's <c>x-amz-meta-*</c> headers, names lower-cased.</summary>
    public Dictionary<string, string> UserMetadata() =>
        Request.Headers.Where(h => h.Key.StartsWith("x-amz-meta-", StringComparison.OrdinalIgnoreCase))
            .ToDictionary(h => h.Key.ToLowerInvariant(), h => h.Value.ToString(), StringComparer.Ordinal);

    public string Resource => Bucket is null ? "/" : Key is null ? "/" + Bucket : $"/{Bucket}/{Key}";
}

/// <summary>One request as <see cref="S3Emulator.Calls"/> records it: <c>GET /bucket/key</c> and its query (<c>list-type=2&amp;prefix=...</c>).</summary>
public sealed record S3CallRecord(string Method, string Resource, string Query);
