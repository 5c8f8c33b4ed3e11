using System.Text.Json;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.Logging;

namespace Longhorn.Simulator.S3;

/// <summary>
/// The emulator's one request pipeline: admin endpoint, faults, SigV4, addressing (path-style or virtual-hosted),
/// then the S3 operation the method, key and query select; failures become S3 XML errors.
/// </summary>
public sealed class S3RequestHandler
{
    private const string AdminFaults = "/_admin/faults";
    private readonly S3EmulatorOptions _options;
    private readonly SigV4Verifier _verifier;
    private readonly S3FaultInjector _faults;
    private readonly BucketOperations _buckets;
    private readonly ObjectOperations _objects;
    private readonly MultipartOperations _multipart;
    private readonly ILogger _logger;

    public S3RequestHandler(S3EmulatorOptions options, ObjectStore store, S3FaultInjector faults, TimeProvider time, ILogger logger)
    {
        _options = options;
        _faults = faults;
        _logger = logger;
        _verifier = new SigV4Verifier(options.Credentials, time);
        _buckets = new BucketOperations(store, options.Region);
        _objects = new ObjectOperations(store, options.RejectChunkedUploads);
        _multipart = new MultipartOperations(new MultipartUploads(store, time), options.RejectChunkedUploads);
    }

    private long _requests;

    /// <summary>S3 requests received so far (the admin endpoint's not counted), for a benchmark's request counts.</summary>
    public long Requests => Interlocked.Read(ref _requests);

    private readonly System.Collections.Concurrent.ConcurrentQueue<S3CallRecord> _calls = new();

    public IReadOnlyList<S3CallRecord> Calls => _calls.ToArray();

    public async Task HandleAsync(HttpContext context)
    {
        var (rawPath, rawQuery) = RawTarget(context);
        var requestId = Guid.NewGuid().ToString("N")[..16].ToUpperInvariant();
        context.Response.Headers["x-amz-request-id"] = requestId;
        context.Response.Headers.Server = "LonghornS3Emulator";
        var resource = Uri.UnescapeDataString(rawPath);
        try
        {
            if (rawPath == AdminFaults && !IsVirtualHosted(context.Request.Host.Host, out _))
            {
                await AdminAsync(context).ConfigureAwait(false);
                return;
            }
            Interlocked.Increment(ref _requests);
            if (!await _faults.ApplyAsync(context).ConfigureAwait(false)) return;
            var signed = _verifier.Verify(context.Request, rawPath, rawQuery);
            var call = Address(context, rawPath, rawQuery, signed);
            resource = call.Resource;
            if (_options.RecordCalls)
                _calls.Enqueue(new S3CallRecord(context.Request.Method, resource, string.Join('&', call.Query.Select(p => p.Value.Length == 0 ? p.Name : $"{p.Name}={p.Value}"))));
            await DispatchAsync(call).ConfigureAwait(false);
        }
        catch (S3Error e)
        {
            if (e.Status >= 500 || e.Code is "SignatureDoesNotMatch" or "InvalidAccessKeyId")
                _logger.LogInformation("{Method} {Resource}: {Status} {Code}", context.Request.Method, resource, e.Status, e.Code);
            if (context.Response.HasStarted)
            {
                context.Abort();
                return;
            }
            context.Response.Clear();
            context.Response.Headers["x-amz-request-id"] = requestId;
            await DrainAsync(context).ConfigureAwait(false);
            await S3Xml.WriteErrorAsync(context.Response, e, resource, requestId).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (context.RequestAborted.IsCancellationRequested)
        {
            // The client went away.
        }
        catch (Exception e) when (e is IOException or Microsoft.AspNetCore.Connections.ConnectionResetException or BadHttpRequestException)
        {
            _logger.LogInformation("{Method} {Resource}: connection failed: {Reason}", context.Request.Method, resource, e.Message);
            context.Abort();
        }
    }

    private Task DispatchAsync(S3Call call)
    {
        var method = call.Request.Method;
        if (call.Bucket is null)
            return HttpMethods.IsGet(method) ? _buckets.ListBucketsAsync(call) : throw S3Error.MethodNotAllowed();
        if (call.Key is null)
        {
            return method switch
            {
                "GET" when call.Has("location") => _buckets.LocationAsync(call),
                "GET" when call.Has("uploads") => throw S3Error.NotImplemented("ListMultipartUploads"),
                "GET" when UnsupportedSubresource(call) is { } name => throw S3Error.NotImplemented($"The bucket subresource '{name}'"),
                "GET" => _buckets.ListObjectsAsync(call, v2: call.Get("list-type") == "2"),
                "PUT" when UnsupportedSubresource(call) is { } name => throw S3Error.NotImplemented($"The bucket subresource '{name}'"),
                "PUT" => _buckets.CreateAsync(call),
                "HEAD" => _buckets.HeadAsync(call),
                "DELETE" => _buckets.DeleteAsync(call),
                "POST" when call.Has("delete") && _options.RejectMultiObjectDelete => throw S3Error.NotImplemented("DeleteObjects"),
                "POST" when call.Has("delete") => _objects.DeleteManyAsync(call),
                _ => throw S3Error.MethodNotAllowed(),
            };
        }
        var upload = call.Has("uploadId");
        return method switch
        {
            "PUT" when upload && call.Has("partNumber") => _multipart.UploadPartAsync(call),
            "PUT" when call.Request.Headers.ContainsKey("x-amz-copy-source") => _objects.CopyAsync(call),
            "PUT" when UnsupportedSubresource(call) is { } name => throw S3Error.NotImplemented($"The object subresource '{name}'"),
            "PUT" => _objects.PutAsync(call),
            "GET" when upload => _multipart.ListPartsAsync(call),
            "GET" when UnsupportedSubresource(call) is { } name => throw S3Error.NotImplemented($"The object subresource '{name}'"),
            "GET" => _objects.GetAsync(call),
            "HEAD" => _objects.HeadAsync(call),
            "DELETE" when upload => _multipart.AbortAsync(call),
            "DELETE" => _objects.DeleteAsync(call),
            "POST" when call.Has("uploads") => _multipart.CreateAsync(call),
            "POST" when upload => _multipart.CompleteAsync(call),
            _ => throw S3Error.MethodNotAllowed(),
        };
    }

    private static readonly HashSet<string> Subresources = new(StringComparer.Ordinal)
    {
        "acl", "policy", "cors", "lifecycle", "versioning", "versions", "tagging", "website", "logging", "notification",
        "replication", "encryption", "object-lock", "retention", "legal-hold", "torrent", "restore", "select", "attributes",
        "accelerate", "requestPayment", "analytics", "inventory", "metrics", "ownershipControls", "publicAccessBlock",
    };

    private static string? UnsupportedSubresource(S3Call call) => call.Query.Select(p => p.Name).FirstOrDefault(Subresources.Contains);

    private S3Call Address(HttpContext context, string rawPath, string rawQuery, SignedRequest signed)
    {
        var query = SigV4Verifier.ParseQuery(rawQuery);
        var path = Uri.UnescapeDataString(rawPath);
        if (IsVirtualHosted(context.Request.Host.Host, out var hostBucket))
            return new S3Call(context, hostBucket, path.Length > 1 ? path[1..] : null, query, signed);
        var rest = path.TrimStart('/');
        if (rest.Length == 0) return new S3Call(context, null, null, query, signed);
        var slash = rest.IndexOf('/', StringComparison.Ordinal);
        if (slash < 0) return new S3Call(context, rest, null, query, signed);
        var key = rest[(slash + 1)..];
        return new S3Call(context, rest[..slash], key.Length > 0 ? key : null, query, signed);
    }

    private bool IsVirtualHosted(string host, out string bucket)
    {
        var suffix = "." + _options.Domain;
        bucket = _options.Domain.Length > 0 && host.EndsWith(suffix, StringComparison.OrdinalIgnoreCase) ? host[..^suffix.Length] : "";
        return bucket.Length > 0;
    }

    private async Task AdminAsync(HttpContext context)
    {
        // The fault switch can make the store drop every request: only a loopback client with the token may use it.
        var remote = context.Connection.RemoteIpAddress;
        if (!_options.AdminFromAnywhere && remote is not null && !System.Net.IPAddress.IsLoopback(remote))
            throw new S3Error(403, "AccessDenied", "the admin endpoint takes requests from loopback only (start with --admin-from-anywhere to allow others)");
        var presented = context.Request.Headers.Authorization.ToString();
        if (!System.Security.Cryptography.CryptographicOperations.FixedTimeEquals(
                System.Text.Encoding.UTF8.GetBytes(presented), System.Text.Encoding.UTF8.GetBytes("Bearer " + _options.AdminToken)))
            throw new S3Error(403, "AccessDenied", "the admin endpoint needs Authorization: Bearer <the admin token the emulator printed at start>");
        if (HttpMethods.IsPost(context.Request.Method) || HttpMethods.IsPut(context.Request.Method))
        {
            S3Faults? faults;
            try
            {
                faults = await JsonSerializer.DeserializeAsync<S3Faults>(context.Request.Body, JsonSerializerOptions.Web, context.RequestAborted)
                    .ConfigureAwait(false);
                _faults.Set(faults ?? S3Faults.None);
            }
            catch (Exception e) when (e is JsonException or ArgumentException)
            {
                throw S3Error.InvalidArgument($"invalid faults: {e.Message}");
            }
            _logger.LogInformation("Faults set to {Faults}", _faults.Current);
        }
        else if (!HttpMethods.IsGet(context.Request.Method))
        {
            throw S3Error.MethodNotAllowed();
        }
        context.Response.ContentType = "application/json";
        // The faults in force, and how many have been injected since start (a soak's figures); POST ignores "injected".
        var answer = JsonSerializer.SerializeToNode(_faults.Current, JsonSerializerOptions.Web)!.AsObject();
        answer["injected"] = _faults.Injected;
        await JsonSerializer.SerializeAsync(context.Response.Body, answer, JsonSerializerOptions.Web, context.RequestAborted)
            .ConfigureAwait(false);
    }

    /// <summary>The path and query exactly as sent (absolute-form targets, as through a proxy, lose their authority).</summary>
    private static (string Path, string Query) RawTarget(HttpContext context)
    {
        var raw = context.Features.Get<IHttpRequestFeature>()?.RawTarget ?? context.Request.Path + context.Request.QueryString;
        if (raw.StartsWith("http://", StringComparison.OrdinalIgnoreCase) || raw.StartsWith("https://", StringComparison.OrdinalIgnoreCase))
        {
            var start = raw.IndexOf('/', raw.IndexOf("//", StringComparison.Ordinal) + 2);
            raw = start < 0 ? "/" : raw[start..];
        }
        var question = raw.IndexOf('?', StringComparison.Ordinal);
        return question < 0 ? (raw, "") : (raw[..question], raw[(question + 1)..]);
    }

    /// <summary>Reads what is left of a small request body so the error answer is not lost to a reset connection.</summary>
    private static async Task DrainAsync(HttpContext context)
    {
        if (context.Request.ContentLength is not (> 0 and <= 1024 * 1024)) return;
        try
        {
            await context.Request.Body.CopyToAsync(Stream.Null, context.RequestAborted).ConfigureAwait(false);
        }
        catch (Exception e) when (e is IOException or BadHttpRequestException or OperationCanceledException)
        {
            // Nothing more to read.
        }
    }
}
