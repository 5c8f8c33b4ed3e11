using System.Net;
using System.Security.Cryptography;
using Longhorn.Simulator.S3;
using Minio;
using Minio.DataModel.Args;
using Minio.Exceptions;

namespace Longhorn.Simulator.Tests.S3;

/// <summary>MinIO's own .NET SDK (Minio 7.0.0), unchanged, against the in-process emulator: the other real client the design names.</summary>
public sealed class MinioSdkTests : IAsyncLifetime
{
    private const int MiB = 1024 * 1024;
    private const string Bucket = S3EmulatorOptions.DefaultBucket;

    private readonly TempDirectory _dir = new();
    private readonly S3Emulator _emulator;
    private IMinioClient _client = null!;

    public MinioSdkTests() => _emulator = new S3Emulator(new S3EmulatorOptions { DataDirectory = _dir.Combine("data") });

    public async Task InitializeAsync()
    {
        await _emulator.StartAsync();
        _client = Client(S3EmulatorOptions.DefaultSecretKey);
    }

    public async Task DisposeAsync()
    {
        _client.Dispose();
        await _emulator.DisposeAsync();
        _dir.Dispose();
    }

    private IMinioClient Client(string secret) => new MinioClient()
        .WithEndpoint(_emulator.Url.Host, _emulator.Url.Port)
        .WithCredentials(S3EmulatorOptions.DefaultAccessKey, secret)
        .WithRegion("us-east-1")
        .Build();

    private async Task PutAsync(string key, byte[] data)
    {
        using var stream = new MemoryStream(data);
        await _client.PutObjectAsync(new PutObjectArgs().WithBucket(Bucket).WithObject(key).WithStreamData(stream).WithObjectSize(data.Length)
            .WithContentType("application/octet-stream"));
    }

    // Ranged reads are left to the AWS SDK tests: Minio 7.0.0 itself throws PartialContentException on every 206
    // (minio/minio-dotnet#1342, fixed after 7.0.0), whatever the server.
    private async Task<byte[]> GetAsync(string key)
    {
        using var buffer = new MemoryStream();
        await _client.GetObjectAsync(new GetObjectArgs().WithBucket(Bucket).WithObject(key).WithCallbackStream(s => s.CopyTo(buffer)));
        return buffer.ToArray();
    }

    [Fact]
    public async Task Put_get_and_stat_return_the_bytes_written()
    {
        var data = RandomNumberGenerator.GetBytes(300_000);
        await PutAsync("dir/object.bin", data);
        Assert.Equal(data, await GetAsync("dir/object.bin"));
        var stat = await _client.StatObjectAsync(new StatObjectArgs().WithBucket(Bucket).WithObject("dir/object.bin"));
        Assert.Equal(data.Length, stat.Size);
        Assert.Equal(Convert.ToHexStringLower(MD5.HashData(data)), stat.ETag.Trim('"'));
    }

    [Fact]
    public async Task A_large_put_goes_multipart_and_reads_back_whole()
    {
        var data = RandomNumberGenerator.GetBytes(12 * MiB + 12345);
        await PutAsync("big.bin", data);
        Assert.Equal(data, await GetAsync("big.bin"));
        var stat = await _client.StatObjectAsync(new StatObjectArgs().WithBucket(Bucket).WithObject("big.bin"));
        // A multipart object's ETag is the MD5 of the parts' MD5s with the part count after a dash.
        Assert.Matches("^[0-9a-f]{32}-[0-9]+$", stat.ETag.Trim('"'));
    }

    [Fact]
    public async Task Listings_by_prefix_flat_and_recursive_and_removal_of_one_and_many()
    {
        foreach (var key in new[] { "a/1", "a/2", "a/b/3", "c/4" }) await PutAsync(key, [1, 2, 3]);
        var flat = new List<string>();
        await foreach (var item in _client.ListObjectsEnumAsync(new ListObjectsArgs().WithBucket(Bucket).WithPrefix("a/"))) flat.Add(item.Key);
        Assert.Equal(["a/1", "a/2", "a/b/"], flat.Order());
        var recursive = new List<string>();
        await foreach (var item in _client.ListObjectsEnumAsync(new ListObjectsArgs().WithBucket(Bucket).WithRecursive(true))) recursive.Add(item.Key);
        Assert.Equal(["a/1", "a/2", "a/b/3", "c/4"], recursive.Order());

        await _client.RemoveObjectAsync(new RemoveObjectArgs().WithBucket(Bucket).WithObject("c/4"));
        var errors = await _client.RemoveObjectsAsync(new RemoveObjectsArgs().WithBucket(Bucket).WithObjects(["a/1", "a/2", "a/b/3"]));
        Assert.Empty(errors);
        var left = new List<string>();
        await foreach (var item in _client.ListObjectsEnumAsync(new ListObjectsArgs().WithBucket(Bucket).WithRecursive(true))) left.Add(item.Key);
        Assert.Empty(left);
        await Assert.ThrowsAsync<ObjectNotFoundException>(() => _client.StatObjectAsync(new StatObjectArgs().WithBucket(Bucket).WithObject("c/4")));
    }

    [Fact]
    public async Task Buckets_are_made_found_listed_and_removed()
    {
        Assert.False(await _client.BucketExistsAsync(new BucketExistsArgs().WithBucket("second")));
        await _client.MakeBucketAsync(new MakeBucketArgs().WithBucket("second"));
        Assert.True(await _client.BucketExistsAsync(new BucketExistsArgs().WithBucket("second")));
        var buckets = await _client.ListBucketsAsync();
        Assert.Contains(buckets.Buckets, b => b.Name == "second");
        Assert.Contains(buckets.Buckets, b => b.Name == Bucket);
        await _client.RemoveBucketAsync(new RemoveBucketArgs().WithBucket("second"));
        Assert.False(await _client.BucketExistsAsync(new BucketExistsArgs().WithBucket("second")));
    }

    [Fact]
    public async Task Presigned_urls_let_a_plain_http_client_put_and_get()
    {
        var data = RandomNumberGenerator.GetBytes(4096);
        var putUrl = await _client.PresignedPutObjectAsync(new PresignedPutObjectArgs().WithBucket(Bucket).WithObject("shared.bin").WithExpiry(600));
        using var http = new HttpClient();
        using (var put = await http.PutAsync(putUrl, new ByteArrayContent(data))) Assert.Equal(HttpStatusCode.OK, put.StatusCode);
        var getUrl = await _client.PresignedGetObjectAsync(new PresignedGetObjectArgs().WithBucket(Bucket).WithObject("shared.bin").WithExpiry(600));
        Assert.Equal(data, await http.GetByteArrayAsync(getUrl));
        using var tampered = await http.GetAsync(getUrl.Replace("shared.bin", "other.bin", StringComparison.Ordinal));
        Assert.Equal(HttpStatusCode.Forbidden, tampered.StatusCode);
    }

    [Fact]
    public async Task A_wrong_secret_is_refused()
    {
        using var wrong = Client("not-the-secret");
        await Assert.ThrowsAsync<AccessDeniedException>(() => wrong.StatObjectAsync(new StatObjectArgs().WithBucket(Bucket).WithObject("any")));
        var error = await Assert.ThrowsAsync<AuthorizationException>(() => wrong.ListBucketsAsync());
        Assert.Contains("signature we calculated does not match", error.Message, StringComparison.Ordinal);
    }
}
