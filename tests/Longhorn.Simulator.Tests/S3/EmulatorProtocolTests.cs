using System.Net;
using System.Security.Cryptography;
using Amazon.Runtime;
using Amazon.S3;
using Amazon.S3.Model;
using Longhorn.Simulator.S3;

namespace Longhorn.Simulator.Tests.S3;

/// <summary>The emulator speaks S3 as the AWS SDK expects: signatures, bodies, ranges, multipart, listings, errors, persistence.</summary>
public sealed class EmulatorProtocolTests : IAsyncLifetime
{
    private const int MiB = 1024 * 1024;
    private readonly TempDirectory _dir = new();
    private S3Emulator _emulator;

    public EmulatorProtocolTests() => _emulator = NewEmulator();

    private S3Emulator NewEmulator(TimeProvider? time = null) =>
        new(new S3EmulatorOptions { DataDirectory = _dir.Combine("data"), Port = _emulator?.Url.Port ?? 0 }, time: time);

    public Task InitializeAsync() => _emulator.StartAsync();

    public async Task DisposeAsync()
    {
        await _emulator.DisposeAsync();
        _dir.Dispose();
    }

    /// <summary>An SDK client with its defaults: aws-chunked signed bodies and flexible checksums where supported.</summary>
    private AmazonS3Client Client(string secret = S3EmulatorOptions.DefaultSecretKey, string accessKey = S3EmulatorOptions.DefaultAccessKey) =>
        new(new BasicAWSCredentials(accessKey, secret),
            new AmazonS3Config { ServiceURL = _emulator.Url.ToString(), ForcePathStyle = true, AuthenticationRegion = "us-east-1", MaxErrorRetry = 0 });

    private static async Task<byte[]> GetAsync(AmazonS3Client client, string key, ByteRange? range = null, string bucket = "backupbucket")
    {
        using var response = await client.GetObjectAsync(new GetObjectRequest { BucketName = bucket, Key = key, ByteRange = range });
        using var buffer = new MemoryStream();
        await response.ResponseStream.CopyToAsync(buffer);
        return buffer.ToArray();
    }

    private static Task PutAsync(AmazonS3Client client, string key, byte[] data, string bucket = "backupbucket") =>
        client.PutObjectAsync(new PutObjectRequest { BucketName = bucket, Key = key, InputStream = new MemoryStream(data) });

    [Fact]
    public async Task Sdk_default_uploads_with_signed_aws_chunked_bodies_and_checksums_round_trip()
    {
        using var client = Client();
        var data = RandomNumberGenerator.GetBytes(3 * MiB + 5);
        await PutAsync(client, "chunked.bin", data);
        Assert.Equal(data, await GetAsync(client, "chunked.bin"));
        var head = await client.GetObjectMetadataAsync("backupbucket", "chunked.bin");
        Assert.Equal($"\"{Convert.ToHexStringLower(MD5.HashData(data))}\"", head.ETag);
        Assert.Equal(data.Length, head.ContentLength);
    }

    [Fact]
    public async Task Wrong_secrets_and_unknown_keys_are_refused_with_s3_error_codes()
    {
        using var wrong = Client(secret: "wrong");
        var e = await Assert.ThrowsAnyAsync<AmazonS3Exception>(() => wrong.ListObjectsV2Async(new ListObjectsV2Request { BucketName = "backupbucket" }));
        Assert.Equal(("SignatureDoesNotMatch", HttpStatusCode.Forbidden), (e.ErrorCode, e.StatusCode));
        var put = await Assert.ThrowsAnyAsync<AmazonS3Exception>(() => PutAsync(wrong, "x", new byte[100]));
        Assert.Equal("SignatureDoesNotMatch", put.ErrorCode);
        using var unknown = Client(accessKey: "nobody");
        e = await Assert.ThrowsAnyAsync<AmazonS3Exception>(() => unknown.ListBucketsAsync());
        Assert.Equal(("InvalidAccessKeyId", HttpStatusCode.Forbidden), (e.ErrorCode, e.StatusCode));
        using var http = new HttpClient();
        using var anonymous = await http.GetAsync(new Uri(_emulator.Url, "/backupbucket/x"));
        Assert.Equal(HttpStatusCode.Forbidden, anonymous.StatusCode);
        Assert.Contains("<Code>AccessDenied</Code>", await anonymous.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task Presigned_urls_work_until_they_expire_and_not_when_altered()
    {
        using var client = Client();
        await PutAsync(client, "shared.txt", "shared"u8.ToArray());
        var url = await client.GetPreSignedURLAsync(new GetPreSignedUrlRequest
        {
            BucketName = "backupbucket", Key = "shared.txt", Expires = DateTime.UtcNow.AddMinutes(30), Protocol = Protocol.HTTP,
        });
        using var http = new HttpClient();
        Assert.Equal("shared", await http.GetStringAsync(url));
        using var altered = await http.GetAsync(url.Replace("shared.txt", "other.txt"));
        Assert.Equal(HttpStatusCode.Forbidden, altered.StatusCode);

        // An hour later (the emulator's clock moved), the link has expired and header signatures are too skewed.
        await _emulator.StopAsync();
        _emulator = NewEmulator(new ShiftedTimeProvider(TimeSpan.FromHours(1)));
        await _emulator.StartAsync();
        using var expired = await http.GetAsync(url);
        Assert.Equal(HttpStatusCode.Forbidden, expired.StatusCode);
        Assert.Contains("Request has expired", await expired.Content.ReadAsStringAsync());
        var skewed = await Assert.ThrowsAnyAsync<AmazonS3Exception>(() => client.ListBucketsAsync());
        Assert.Equal("RequestTimeTooSkewed", skewed.ErrorCode);
    }

    [Fact]
    public async Task Range_reads_return_the_bytes_asked_for_and_unsatisfiable_ranges_fail()
    {
        using var client = Client();
        var data = Enumerable.Range(0, 100).Select(i => (byte)i).ToArray();
        await PutAsync(client, "range.bin", data);
        Assert.Equal(data[10..20], await GetAsync(client, "range.bin", new ByteRange(10, 19)));
        Assert.Equal(data[90..], await GetAsync(client, "range.bin", new ByteRange("bytes=-10")));
        Assert.Equal(data[95..], await GetAsync(client, "range.bin", new ByteRange(95, 1000)));
        var e = await Assert.ThrowsAnyAsync<AmazonS3Exception>(() => GetAsync(client, "range.bin", new ByteRange(100, 200)));
        Assert.Equal(("InvalidRange", HttpStatusCode.RequestedRangeNotSatisfiable), (e.ErrorCode, e.StatusCode));
    }

    [Fact]
    public async Task Multipart_uploads_complete_with_s3s_etag_and_refuse_small_middle_parts()
    {
        using var client = Client();
        var parts = new[] { RandomNumberGenerator.GetBytes(5 * MiB), RandomNumberGenerator.GetBytes(MiB) };
        var upload = await client.InitiateMultipartUploadAsync("backupbucket", "multi.bin");
        var etags = new List<PartETag>();
        for (var i = 0; i < parts.Length; i++)
        {
            var part = await client.UploadPartAsync(new UploadPartRequest
            {
                BucketName = "backupbucket", Key = "multi.bin", UploadId = upload.UploadId, PartNumber = i + 1, InputStream = new MemoryStream(parts[i]),
            });
            etags.Add(new PartETag(i + 1, part.ETag));
        }
        var listed = await client.ListPartsAsync("backupbucket", "multi.bin", upload.UploadId);
        Assert.Equal([5L * MiB, MiB], listed.Parts.Select(p => p.Size ?? 0));
        var done = await client.CompleteMultipartUploadAsync(new CompleteMultipartUploadRequest
        {
            BucketName = "backupbucket", Key = "multi.bin", UploadId = upload.UploadId, PartETags = etags,
        });
        var md5s = parts.SelectMany(MD5.HashData).ToArray();
        Assert.Equal($"\"{Convert.ToHexStringLower(MD5.HashData(md5s))}-2\"", done.ETag);
        Assert.Equal(parts[0].Concat(parts[1]).ToArray(), await GetAsync(client, "multi.bin"));

        var small = await client.InitiateMultipartUploadAsync("backupbucket", "small.bin");
        var smallParts = new List<PartETag>();
        for (var n = 1; n <= 2; n++)
        {
            var part = await client.UploadPartAsync(new UploadPartRequest
            {
                BucketName = "backupbucket", Key = "small.bin", UploadId = small.UploadId, PartNumber = n, InputStream = new MemoryStream(new byte[1024]),
            });
            smallParts.Add(new PartETag(n, part.ETag));
        }
        var e = await Assert.ThrowsAnyAsync<AmazonS3Exception>(() => client.CompleteMultipartUploadAsync(new CompleteMultipartUploadRequest
        {
            BucketName = "backupbucket", Key = "small.bin", UploadId = small.UploadId, PartETags = smallParts,
        }));
        Assert.Equal("EntityTooSmall", e.ErrorCode);
        await client.AbortMultipartUploadAsync("backupbucket", "small.bin", small.UploadId);
        e = await Assert.ThrowsAnyAsync<AmazonS3Exception>(() => client.ListPartsAsync("backupbucket", "small.bin", small.UploadId));
        Assert.Equal(("NoSuchUpload", HttpStatusCode.NotFound), (e.ErrorCode, e.StatusCode));
    }

    [Fact]
    public async Task Listings_honour_prefix_delimiter_continuation_max_keys_and_markers()
    {
        using var client = Client();
        var keys = new[] { "l/a", "l/b/c", "l/b/d", "l/b-x", "l/e", "l/f/" };
        foreach (var key in keys) await PutAsync(client, key, [1]);

        var all = new List<string>();
        string? token = null;
        var pages = 0;
        do
        {
            var page = await client.ListObjectsV2Async(new ListObjectsV2Request { BucketName = "backupbucket", Prefix = "l/", MaxKeys = 2, ContinuationToken = token });
            all.AddRange(page.S3Objects.Select(o => o.Key));
            token = page.IsTruncated == true ? page.NextContinuationToken : null;
            pages++;
        } while (token is not null);
        Assert.Equal(["l/a", "l/b-x", "l/b/c", "l/b/d", "l/e", "l/f/"], all);
        Assert.Equal(3, pages);

        var delimited = await client.ListObjectsV2Async(new ListObjectsV2Request { BucketName = "backupbucket", Prefix = "l/", Delimiter = "/" });
        Assert.Equal(["l/a", "l/b-x", "l/e"], delimited.S3Objects.Select(o => o.Key));
        Assert.Equal(["l/b/", "l/f/"], delimited.CommonPrefixes);

        var v1 = await client.ListObjectsAsync(new ListObjectsRequest { BucketName = "backupbucket", Prefix = "l/", Delimiter = "/", Marker = "l/b-x", MaxKeys = 2 });
        Assert.Equal(["l/e"], v1.S3Objects.Select(o => o.Key));
        Assert.Equal(["l/b/"], v1.CommonPrefixes);
        Assert.True(v1.IsTruncated);
    }

    [Fact]
    public async Task Bucket_and_object_errors_carry_s3s_codes_and_copy_and_batch_delete_work()
    {
        using var client = Client();
        var e = await Assert.ThrowsAnyAsync<AmazonS3Exception>(() => GetAsync(client, "missing"));
        Assert.Equal(("NoSuchKey", HttpStatusCode.NotFound), (e.ErrorCode, e.StatusCode));
        e = await Assert.ThrowsAnyAsync<AmazonS3Exception>(() => PutAsync(client, "x", [1], bucket: "nosuchbucket"));
        Assert.Equal(("NoSuchBucket", HttpStatusCode.NotFound), (e.ErrorCode, e.StatusCode));
        e = await Assert.ThrowsAnyAsync<AmazonS3Exception>(() => client.PutBucketAsync("backupbucket"));
        Assert.Equal("BucketAlreadyOwnedByYou", e.ErrorCode);
        e = await Assert.ThrowsAnyAsync<AmazonS3Exception>(() => client.PutBucketAsync("Bad_Bucket"));
        Assert.Equal("InvalidBucketName", e.ErrorCode);

        await client.PutBucketAsync("other");
        await PutAsync(client, "src/one", "one"u8.ToArray(), "other");
        await client.CopyObjectAsync("other", "src/one", "other", "dst/one");
        Assert.Equal("one"u8.ToArray(), await GetAsync(client, "dst/one", bucket: "other"));
        e = await Assert.ThrowsAnyAsync<AmazonS3Exception>(() => client.DeleteBucketAsync("other"));
        Assert.Equal(("BucketNotEmpty", HttpStatusCode.Conflict), (e.ErrorCode, e.StatusCode));
        var deleted = await client.DeleteObjectsAsync(new DeleteObjectsRequest
        {
            BucketName = "other", Objects = [new KeyVersion { Key = "src/one" }, new KeyVersion { Key = "dst/one" }, new KeyVersion { Key = "never" }],
        });
        Assert.Equal(3, deleted.DeletedObjects.Count);
        await client.DeleteBucketAsync("other");
        Assert.DoesNotContain("other", (await client.ListBucketsAsync()).Buckets.Select(b => b.BucketName));
    }

    [Fact]
    public async Task Objects_persist_across_a_restart_and_no_key_escapes_the_data_directory()
    {
        using var client = Client();
        var keys = new[] { "../../escape.txt", "a/../../b.txt", "a//b", "dir/", "dir/x", "~/weird key+%.txt" };
        foreach (var key in keys) await PutAsync(client, key, System.Text.Encoding.UTF8.GetBytes(key));
        await _emulator.StopAsync();
        _emulator = NewEmulator();
        await _emulator.StartAsync();
        using var again = Client();
        foreach (var key in keys) Assert.Equal(key, System.Text.Encoding.UTF8.GetString(await GetAsync(again, key)));
        var listed = new List<string>();
        string? token = null;
        do
        {
            var page = await again.ListObjectsV2Async(new ListObjectsV2Request { BucketName = "backupbucket", ContinuationToken = token });
            listed.AddRange(page.S3Objects.Select(o => o.Key));
            token = page.IsTruncated == true ? page.NextContinuationToken : null;
        } while (token is not null);
        Assert.Equal(keys.Order(StringComparer.Ordinal), listed.Order(StringComparer.Ordinal));
        Assert.Equal(["data"], Directory.EnumerateFileSystemEntries(_dir.Path).Select(Path.GetFileName));
        Assert.All(Directory.EnumerateFiles(_dir.Combine("data"), "*", SearchOption.AllDirectories),
            f => Assert.StartsWith(_dir.Combine("data", "backupbucket") + "/", f));
    }

    /// <summary>The system clock moved by a fixed offset, to make signatures and links look old.</summary>
    private sealed class ShiftedTimeProvider(TimeSpan offset) : TimeProvider
    {
        public override DateTimeOffset GetUtcNow() => System.GetUtcNow() + offset;
    }
}
