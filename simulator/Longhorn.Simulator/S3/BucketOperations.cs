using System.Text;
using System.Xml.Linq;
using static Longhorn.Simulator.S3.S3Xml;

namespace Longhorn.Simulator.S3;

/// <summary>ListBuckets, CreateBucket, HeadBucket, DeleteBucket, GetBucketLocation, ListObjects and ListObjectsV2.</summary>
public sealed class BucketOperations(ObjectStore store, string region)
{
    public Task ListBucketsAsync(S3Call call) =>
        WriteAsync(call.Response, 200, Element("ListAllMyBucketsResult",
            Element("Owner", Element("ID", call.Signed.AccessKey), Element("DisplayName", call.Signed.AccessKey)),
            Element("Buckets", store.ListBuckets().Select(b => Element("Bucket", Element("Name", b.Name), Element("CreationDate", Time(b.Created)))))));

    public Task CreateAsync(S3Call call)
    {
        store.CreateBucket(call.Bucket!);
        call.Response.Headers.Location = "/" + call.Bucket;
        call.Response.StatusCode = 200;
        return Task.CompletedTask;
    }

    public Task HeadAsync(S3Call call)
    {
        store.BucketDirectory(call.Bucket!);
        call.Response.Headers["x-amz-bucket-region"] = region;
        call.Response.StatusCode = 200;
        return Task.CompletedTask;
    }

    public Task DeleteAsync(S3Call call)
    {
        store.DeleteBucket(call.Bucket!);
        call.Response.StatusCode = 204;
        return Task.CompletedTask;
    }

    public Task LocationAsync(S3Call call)
    {
        store.BucketDirectory(call.Bucket!);
        return WriteAsync(call.Response, 200, Element("LocationConstraint", region == "us-east-1" ? null : region));
    }

    public Task ListObjectsAsync(S3Call call, bool v2)
    {
        var bucket = call.Bucket!;
        store.BucketDirectory(bucket);
        var prefix = call.Get("prefix") ?? "";
        var delimiter = call.Get("delimiter") ?? "";
        var maxKeys = call.GetInt("max-keys", 1000, 0, 1000);
        var encodingType = call.Get("encoding-type");
        if (encodingType is not (null or "url")) throw S3Error.InvalidArgument("Invalid Encoding Method specified in Request");
        string Out(string value) => encodingType == "url" ? SigV4.Encode(value, keepSlash: true) : value;

        string? after;
        var token = call.Get("continuation-token");
        if (v2)
        {
            after = token is not null ? DecodeToken(token) : call.Get("start-after");
        }
        else
        {
            after = call.Get("marker");
        }
        var page = ObjectListing.List(store, bucket, prefix, delimiter, string.IsNullOrEmpty(after) ? null : after, maxKeys);

        var root = Element("ListBucketResult", Element("Name", bucket), Element("Prefix", Out(prefix)));
        if (v2)
        {
            if (token is not null) root.Add(Element("ContinuationToken", token));
            if (call.Get("start-after") is { } startAfter) root.Add(Element("StartAfter", Out(startAfter)));
            root.Add(Element("KeyCount", page.Objects.Count + page.CommonPrefixes.Count));
            if (page.IsTruncated) root.Add(Element("NextContinuationToken", EncodeToken(page.NextMarker!)));
        }
        else
        {
            root.Add(Element("Marker", Out(after ?? "")));
            if (page.IsTruncated) root.Add(Element("NextMarker", Out(page.NextMarker!)));
        }
        if (delimiter.Length > 0) root.Add(Element("Delimiter", Out(delimiter)));
        root.Add(Element("MaxKeys", maxKeys), Element("IsTruncated", page.IsTruncated ? "true" : "false"));
        if (encodingType is not null) root.Add(Element("EncodingType", encodingType));
        root.Add(page.Objects.Select(o => Element("Contents",
            Element("Key", Out(o.Key)), Element("LastModified", Time(o.LastModified)), Element("ETag", Quoted(o.ETag)),
            Element("Size", o.Size), Element("StorageClass", "STANDARD"))));
        root.Add(page.CommonPrefixes.Select(p => Element("CommonPrefixes", Element("Prefix", Out(p)))));
        return WriteAsync(call.Response, 200, root);
    }

    private static string EncodeToken(string marker) => Convert.ToBase64String(Encoding.UTF8.GetBytes(marker));

    private static string DecodeToken(string token)
    {
        try
        {
            return Encoding.UTF8.GetString(Convert.FromBase64String(token));
        }
        catch (FormatException)
        {
            throw S3Error.InvalidArgument("The continuation token provided is incorrect");
        }
    }
}
