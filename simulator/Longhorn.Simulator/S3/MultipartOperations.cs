using System.Globalization;
using static Longhorn.Simulator.S3.S3Xml;

namespace Longhorn.Simulator.S3;

/// <summary>CreateMultipartUpload, UploadPart, CompleteMultipartUpload, AbortMultipartUpload and ListParts.</summary>
public sealed class MultipartOperations(MultipartUploads uploads, bool rejectChunked)
{
    public Task CreateAsync(S3Call call)
    {
        var id = uploads.Create(call.Bucket!, call.Key!, call.Request.ContentType, call.UserMetadata());
        return WriteAsync(call.Response, 200, Element("InitiateMultipartUploadResult",
            Element("Bucket", call.Bucket), Element("Key", call.Key), Element("UploadId", id)));
    }

    public async Task UploadPartAsync(S3Call call)
    {
        if (call.Request.Headers.ContainsKey("x-amz-copy-source")) throw S3Error.NotImplemented("UploadPartCopy");
        if (!int.TryParse(call.Get("partNumber"), NumberStyles.None, CultureInfo.InvariantCulture, out var number))
            throw S3Error.InvalidArgument("Part number must be an integer between 1 and 10000, inclusive.");
        await using var body = RequestBody.Open(call, rejectChunked);
        var part = await uploads.PutPartAsync(call.Bucket!, call.Key!, call.Get("uploadId")!, number, body, call.Aborted).ConfigureAwait(false);
        call.Response.Headers.ETag = Quoted(part.ETag);
        call.Response.StatusCode = 200;
    }

    public async Task CompleteAsync(S3Call call)
    {
        await using var body = RequestBody.Open(call, rejectChunked);
        var document = await ReadAsync(body, call.Aborted).ConfigureAwait(false);
        var parts = Children(document, "Part").Select(p =>
            int.TryParse(Child(p, "PartNumber"), NumberStyles.None, CultureInfo.InvariantCulture, out var n) && Child(p, "ETag") is { } etag
                ? (n, etag)
                : throw S3Error.MalformedXml()).ToList();
        var info = await uploads.CompleteAsync(call.Bucket!, call.Key!, call.Get("uploadId")!, parts, call.Aborted).ConfigureAwait(false);
        await WriteAsync(call.Response, 200, Element("CompleteMultipartUploadResult",
            Element("Location", $"{call.Request.Scheme}://{call.Request.Host}/{call.Bucket}/{call.Key}"),
            Element("Bucket", call.Bucket), Element("Key", call.Key), Element("ETag", Quoted(info.ETag)))).ConfigureAwait(false);
    }

    public Task AbortAsync(S3Call call)
    {
        uploads.Abort(call.Bucket!, call.Key!, call.Get("uploadId")!);
        call.Response.StatusCode = 204;
        return Task.CompletedTask;
    }

    public Task ListPartsAsync(S3Call call)
    {
        var uploadId = call.Get("uploadId")!;
        var marker = call.GetInt("part-number-marker", 0, 0, 10000);
        var max = call.GetInt("max-parts", 1000, 0, 1000);
        var after = uploads.ListParts(call.Bucket!, call.Key!, uploadId).Where(p => int.Parse(p.Key, CultureInfo.InvariantCulture) > marker).ToList();
        var page = after.Take(max).ToList();
        var truncated = after.Count > page.Count;
        return WriteAsync(call.Response, 200, Element("ListPartsResult",
            Element("Bucket", call.Bucket), Element("Key", call.Key), Element("UploadId", uploadId),
            Element("PartNumberMarker", marker), Element("NextPartNumberMarker", page.Count > 0 ? page[^1].Key : marker.ToString(CultureInfo.InvariantCulture)),
            Element("MaxParts", max), Element("IsTruncated", truncated ? "true" : "false"),
            Element("StorageClass", "STANDARD"),
            page.Select(p => Element("Part", Element("PartNumber", p.Key), Element("LastModified", Time(p.LastModified)),
                Element("ETag", Quoted(p.ETag)), Element("Size", p.Size)))));
    }
}
