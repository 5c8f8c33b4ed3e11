using System.Buffers;
using System.Globalization;
using Microsoft.AspNetCore.Http;
using static Longhorn.Simulator.S3.S3Xml;

namespace Longhorn.Simulator.S3;

/// <summary>PutObject, GetObject (with Range), HeadObject, DeleteObject, DeleteObjects and CopyObject.</summary>
public sealed class ObjectOperations(ObjectStore store, bool rejectChunked)
{
    private const int MaxDeleteKeys = 1000;

    public async Task PutAsync(S3Call call)
    {
        await using var body = RequestBody.Open(call, rejectChunked);
        var info = await store.PutAsync(call.Bucket!, call.Key!, (sink, ct) => sink.CopyFromAsync(body, null, ct),
            call.Request.ContentType, call.UserMetadata(), null, call.Aborted).ConfigureAwait(false);
        call.Response.Headers.ETag = Quoted(info.ETag);
        call.Response.StatusCode = 200;
    }

    public Task HeadAsync(S3Call call)
    {
        var info = store.Head(call.Bucket!, call.Key!);
        var range = Range(call.Header("Range"), info.Size);
        WriteHeaders(call.Response, info, range);
        return Task.CompletedTask;
    }

    public async Task GetAsync(S3Call call)
    {
        var (file, info) = store.OpenRead(call.Bucket!, call.Key!);
        await using (file)
        {
            var range = Range(call.Header("Range"), info.Size);
            WriteHeaders(call.Response, info, range);
            var (start, length) = range ?? (0, info.Size);
            file.Position = start;
            var buffer = ArrayPool<byte>.Shared.Rent(128 * 1024);
            try
            {
                for (var left = length; left > 0;)
                {
                    var n = await file.ReadAsync(buffer.AsMemory(0, (int)Math.Min(buffer.Length, left)), call.Aborted).ConfigureAwait(false);
                    if (n == 0) throw S3Error.InternalError($"object {info.Key} is shorter on disk than recorded");
                    await call.Response.Body.WriteAsync(buffer.AsMemory(0, n), call.Aborted).ConfigureAwait(false);
                    left -= n;
                }
            }
            finally
            {
                ArrayPool<byte>.Shared.Return(buffer);
            }
        }
    }

    public Task DeleteAsync(S3Call call)
    {
        store.Delete(call.Bucket!, call.Key!);
        call.Response.StatusCode = 204;
        return Task.CompletedTask;
    }

    public async Task DeleteManyAsync(S3Call call)
    {
        store.BucketDirectory(call.Bucket!);
        await using var body = RequestBody.Open(call, rejectChunked);
        var document = await ReadAsync(body, call.Aborted).ConfigureAwait(false);
        var keys = Children(document, "Object").Select(o => Child(o, "Key")).ToList();
        if (keys.Count is 0 or > MaxDeleteKeys || keys.Any(k => string.IsNullOrEmpty(k))) throw S3Error.MalformedXml();
        var quiet = string.Equals(Child(document, "Quiet"), "true", StringComparison.OrdinalIgnoreCase);
        var result = Element("DeleteResult");
        foreach (var key in keys.OfType<string>())
        {
            try
            {
                store.Delete(call.Bucket!, key);
                if (!quiet) result.Add(Element("Deleted", Element("Key", key)));
            }
            catch (S3Error e)
            {
                result.Add(Element("Error", Element("Key", key), Element("Code", e.Code), Element("Message", e.Message)));
            }
        }
        await WriteAsync(call.Response, 200, result).ConfigureAwait(false);
    }

    public async Task CopyAsync(S3Call call)
    {
        var source = Uri.UnescapeDataString(call.Header("x-amz-copy-source").Split('?')[0]).TrimStart('/');
        var slash = source.IndexOf('/', StringComparison.Ordinal);
        if (slash <= 0 || slash == source.Length - 1) throw S3Error.InvalidArgument("Copy Source must mention the source bucket and key: sourcebucket/sourcekey");
        var (sourceBucket, sourceKey) = (source[..slash], source[(slash + 1)..]);
        var replace = string.Equals(call.Header("x-amz-metadata-directive"), "REPLACE", StringComparison.OrdinalIgnoreCase);
        if (!replace && sourceBucket == call.Bucket && sourceKey == call.Key)
            throw S3Error.InvalidRequest("This copy request is illegal because it is trying to copy an object to itself without changing the object's metadata.");
        var (file, info) = store.OpenRead(sourceBucket, sourceKey);
        ObjectInfo copied;
        await using (file)
        {
            copied = await store.PutAsync(call.Bucket!, call.Key!, (sink, ct) => sink.CopyFromAsync(file, info.Size, ct),
                replace ? call.Request.ContentType : info.ContentType, replace ? call.UserMetadata() : info.Metadata, null,
                call.Aborted).ConfigureAwait(false);
        }
        await WriteAsync(call.Response, 200, Element("CopyObjectResult",
            Element("LastModified", Time(copied.LastModified)), Element("ETag", Quoted(copied.ETag)))).ConfigureAwait(false);
    }

    private static void WriteHeaders(HttpResponse response, ObjectInfo info, (long Start, long Length)? range)
    {
        response.Headers.ETag = Quoted(info.ETag);
        response.Headers.LastModified = info.LastModified.ToString("r", CultureInfo.InvariantCulture);
        response.Headers.AcceptRanges = "bytes";
        response.ContentType = info.ContentType;
        foreach (var (name, value) in info.Metadata) response.Headers[name] = value;
        if (range is { } r)
        {
            response.StatusCode = 206;
            response.Headers.ContentRange = $"bytes {r.Start}-{r.Start + r.Length - 1}/{info.Size}";
            response.ContentLength = r.Length;
        }
        else
        {
            response.StatusCode = 200;
            response.ContentLength = info.Size;
        }
    }

    /// <summary>A single byte range (bytes=a-b, a-, -n) clamped to the object; null for none or one S3 ignores.</summary>
    private static (long Start, long Length)? Range(string header, long size)
    {
        if (!header.StartsWith("bytes=", StringComparison.Ordinal) || header.Contains(',')) return null;
        var parts = header["bytes=".Length..].Split('-', 2);
        if (parts.Length != 2) return null;
        var hasStart = long.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out var start);
        var hasEnd = long.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out var end);
        if (!hasStart && hasEnd)
        {
            if (end == 0 || size == 0) throw S3Error.InvalidRange();
            start = Math.Max(0, size - end);
            return (start, size - start);
        }
        if (!hasStart || (hasEnd && end < start)) return null;
        if (start >= size) throw S3Error.InvalidRange();
        end = hasEnd ? Math.Min(end, size - 1) : size - 1;
        return (start, end - start + 1);
    }
}
