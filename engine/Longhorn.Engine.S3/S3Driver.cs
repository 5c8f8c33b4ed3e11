using System.Net;
using System.Runtime.InteropServices;
using Amazon;
using Amazon.Runtime;
using Amazon.S3;
using Amazon.S3.Model;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Longhorn.Engine.Store.S3;

/// <summary>
/// The driver for <c>s3://</c> targets on AWSSDK.S3 (Longhorn's s3 driver): single PUTs without chunked encoding or
/// checksums unless required, delimiter listings with full pagination, prefix removal in batched deletes, HEAD for
/// metadata and multipart uploads for large local files; every request retried by <see cref="S3RetryPolicy"/>.
/// </summary>
internal sealed class S3Driver : IBackupStoreDriver, ITreeListingDriver, IDisposable
{
    private const string AuthorizationNotSupported =
        "The authorization mechanism you have provided is not supported. Please use AWS4-HMAC-SHA256.";

    private readonly S3Target _target;
    private readonly S3DriverOptions _options;
    private readonly ILogger _logger;
    private readonly S3HttpClientFactory _http;
    private readonly AmazonS3Client _client;
    private readonly S3RetryPolicy _retry;
    private readonly bool _unsignedPayload;
    private volatile bool _singleDeletes;

    public S3Driver(string targetUrl, IReadOnlyDictionary<string, string> credentials, S3DriverOptions? options = null,
        TimeProvider? time = null, ILogger? logger = null)
    {
        _target = S3Target.Parse(targetUrl);
        Settings = S3Settings.Parse(targetUrl, credentials);
        _options = options ?? new S3DriverOptions();
        _logger = logger ?? NullLogger.Instance;
        _retry = new S3RetryPolicy(_options, time ?? TimeProvider.System, _logger, _target.Url);
        _http = new S3HttpClientFactory(Settings, _options.RequestTimeout);
        _client = CreateClient(_target, Settings, _options, _http);
        // Over TLS the payload hash adds nothing but CPU; plain HTTP needs it signed.
        _unsignedPayload = Settings.Endpoint?.Scheme == Uri.UriSchemeHttps;
    }

    public string Url => _target.Url;

    public S3Target Target => _target;

    public S3Settings Settings { get; }

    public async ValueTask<bool> FileExistsAsync(string path, CancellationToken cancellationToken) =>
        await HeadAsync(path, cancellationToken).ConfigureAwait(false) is not null;

    public async ValueTask<long> FileSizeAsync(string path, CancellationToken cancellationToken) =>
        await HeadAsync(path, cancellationToken).ConfigureAwait(false) is { } head ? head.ContentLength : -1;

    public async ValueTask<DateTimeOffset?> FileTimeAsync(string path, CancellationToken cancellationToken) =>
        await HeadAsync(path, cancellationToken).ConfigureAwait(false) is { LastModified: { } modified }
            ? new DateTimeOffset(modified.ToUniversalTime(), TimeSpan.Zero)
            : null;

    public async ValueTask<Stream> ReadAsync(string path, CancellationToken cancellationToken)
    {
        var key = _target.Key(path);
        // Buffered inside the retry, so a connection dropped halfway through the body is retried too.
        return await RunAsync(false, "GetObject", "read", path, key, async token =>
        {
            using var response = await _client.GetObjectAsync(_target.Bucket, key, token).ConfigureAwait(false);
            var buffer = new MemoryStream(response.ContentLength is > 0 and < int.MaxValue ? (int)response.ContentLength : 0);
            await response.ResponseStream.CopyToAsync(buffer, token).ConfigureAwait(false);
            buffer.Position = 0;
            return (Stream)buffer;
        }, cancellationToken).ConfigureAwait(false);
    }

    public async ValueTask WriteAsync(string path, ReadOnlyMemory<byte> data, CancellationToken cancellationToken)
    {
        var key = _target.Key(path);
        await RunAsync(true, "PutObject", "write", path, key, async token =>
        {
            using var body = MemoryMarshal.TryGetArray(data, out var segment)
                ? new MemoryStream(segment.Array!, segment.Offset, segment.Count, writable: false)
                : new MemoryStream(data.ToArray(), writable: false);
            return await _client.PutObjectAsync(new PutObjectRequest
            {
                BucketName = _target.Bucket, Key = key, InputStream = body, AutoCloseStream = false,
                UseChunkEncoding = false, DisablePayloadSigning = _unsignedPayload,
            }, token).ConfigureAwait(false);
        }, cancellationToken).ConfigureAwait(false);
    }

    public async ValueTask<IReadOnlyList<string>> ListAsync(string path, CancellationToken cancellationToken)
    {
        var prefix = _target.DirectoryPrefix(path);
        var names = new SortedSet<string>(StringComparer.Ordinal);
        string? token = null;
        do
        {
            var continuation = token;
            var page = await RunAsync(false, "ListObjectsV2", "list", path, prefix, t => _client.ListObjectsV2Async(new ListObjectsV2Request
            {
                BucketName = _target.Bucket, Prefix = prefix, Delimiter = "/", ContinuationToken = continuation,
            }, t), cancellationToken).ConfigureAwait(false);
            foreach (var name in (page.S3Objects ?? []).Select(o => o.Key).Concat(page.CommonPrefixes ?? []))
            {
                var relative = name[prefix.Length..].TrimEnd('/');
                if (relative.Length > 0) names.Add(relative);
            }
            token = page.IsTruncated == true ? page.NextContinuationToken : null;
        } while (token is not null);
        return names.ToList();
    }

    public int TreePageSize => 1000;

    public async ValueTask<IReadOnlyList<string>> ListTreeAsync(string path, CancellationToken cancellationToken)
    {
        var prefix = _target.DirectoryPrefix(path);
        var names = new List<string>();
        string? token = null;
        do
        {
            var continuation = token;
            var page = await RunAsync(false, "ListObjectsV2", "list", path, prefix, t => _client.ListObjectsV2Async(new ListObjectsV2Request
            {
                BucketName = _target.Bucket, Prefix = prefix, ContinuationToken = continuation,
            }, t), cancellationToken).ConfigureAwait(false);
            names.AddRange((page.S3Objects ?? []).Select(o => o.Key[prefix.Length..]).Where(n => n.Length > 0 && !n.EndsWith('/')));
            token = page.IsTruncated == true ? page.NextContinuationToken : null;
        } while (token is not null);
        return names;
    }

    public async ValueTask RemoveAsync(string path, CancellationToken cancellationToken)
    {
        var key = _target.Key(path);
        if (key.Length == 0) throw new BackupStoreArgumentException($"refusing to remove the whole backupstore {Url}");
        // Longhorn lists by the bare key as a prefix; only the key itself and what lies below it are "rm -rf"'s to take.
        var below = key.EndsWith('/') ? key : key + "/";
        var keys = new List<string>();
        string? token = null;
        do
        {
            var continuation = token;
            var page = await RunAsync(false, "ListObjectsV2", "remove", path, key, t => _client.ListObjectsV2Async(new ListObjectsV2Request
            {
                BucketName = _target.Bucket, Prefix = key, ContinuationToken = continuation,
            }, t), cancellationToken).ConfigureAwait(false);
            keys.AddRange((page.S3Objects ?? []).Select(o => o.Key).Where(k => k == key || k.StartsWith(below, StringComparison.Ordinal)));
            token = page.IsTruncated == true ? page.NextContinuationToken : null;
        } while (token is not null);

        foreach (var batch in keys.Chunk(Math.Clamp(_options.DeleteBatchSize, 1, 1000)))
            await DeleteAsync(path, batch, cancellationToken).ConfigureAwait(false);
    }

    public async ValueTask UploadAsync(string localPath, string path, CancellationToken cancellationToken)
    {
        var key = _target.Key(path);
        var file = new FileInfo(localPath);
        if (!file.Exists) throw new BackupStoreNotFoundException($"cannot upload {localPath} to {path} in backupstore {Url}: no such file");
        if (file.Length > _options.MultipartThreshold)
        {
            try
            {
                await UploadInPartsAsync(localPath, path, key, file.Length, cancellationToken).ConfigureAwait(false);
                return;
            }
            catch (BackupStoreException e) when (e.InnerException is AmazonS3Exception s && s.Message.Contains(AuthorizationNotSupported))
            {
                _logger.LogInformation("Backup target {Target} refuses multipart uploads; uploading {Key} in one request", Url, key);
            }
        }
        await RunAsync(true, "PutObject", "upload", path, key, t => _client.PutObjectAsync(new PutObjectRequest
        {
            BucketName = _target.Bucket, Key = key, FilePath = localPath, UseChunkEncoding = false, DisablePayloadSigning = _unsignedPayload,
        }, t), cancellationToken).ConfigureAwait(false);
    }

    public async ValueTask DownloadAsync(string path, string localPath, CancellationToken cancellationToken)
    {
        var key = _target.Key(path);
        await RunAsync(false, "GetObject", "read", path, key, async token =>
        {
            using var response = await _client.GetObjectAsync(_target.Bucket, key, token).ConfigureAwait(false);
            await using var file = new FileStream(localPath, FileMode.Create, FileAccess.Write, FileShare.None, 1 << 20, useAsync: true);
            await response.ResponseStream.CopyToAsync(file, token).ConfigureAwait(false);
            return true;
        }, cancellationToken).ConfigureAwait(false);
    }

    public void Dispose()
    {
        _client.Dispose();
        _http.Dispose();
    }

    private async ValueTask<GetObjectMetadataResponse?> HeadAsync(string path, CancellationToken cancellationToken)
    {
        var key = _target.Key(path);
        try
        {
            return await RunAsync(false, "HeadObject", "stat", path, key, t => _client.GetObjectMetadataAsync(new GetObjectMetadataRequest
            {
                BucketName = _target.Bucket, Key = key,
            }, t), cancellationToken).ConfigureAwait(false);
        }
        catch (BackupStoreException e) when (e.InnerException is AmazonS3Exception { StatusCode: HttpStatusCode.NotFound } s
                                             && s.ErrorCode != "NoSuchBucket")
        {
            return null;
        }
    }

    private async Task DeleteAsync(string path, string[] keys, CancellationToken cancellationToken)
    {
        if (!_singleDeletes && keys.Length > 1)
        {
            try
            {
                var response = await RunAsync(false, "DeleteObjects", "remove", path, keys[0], async t =>
                {
                    try
                    {
                        return await _client.DeleteObjectsAsync(new DeleteObjectsRequest
                        {
                            BucketName = _target.Bucket, Quiet = true, Objects = keys.Select(k => new KeyVersion { Key = k }).ToList(),
                        }, t).ConfigureAwait(false);
                    }
                    catch (DeleteObjectsException e)
                    {
                        return e.Response; // per-key failures are judged below, not retried as a whole
                    }
                }, cancellationToken).ConfigureAwait(false);
                var failed = (response.DeleteErrors ?? []).Where(e => e.Code != "NoSuchKey").ToList();
                if (failed.Count > 0)
                    throw new BackupStoreException($"cannot remove {path} in backupstore {Url}: {failed.Count} objects were not deleted, " +
                                                   $"the first {failed[0].Key}: {failed[0].Code} {failed[0].Message}");
                return;
            }
            catch (BackupStoreException e) when (e.InnerException is AmazonS3Exception s && RefusesMultiDelete(s))
            {
                _logger.LogInformation("Backup target {Target} refuses multi-object delete ({Code}); deleting objects one by one", Url, s.ErrorCode);
                _singleDeletes = true;
            }
        }
        foreach (var key in keys)
        {
            await RunAsync(false, "DeleteObject", "remove", path, key, t => _client.DeleteObjectAsync(_target.Bucket, key, t),
                cancellationToken).ConfigureAwait(false);
        }
    }

    private async Task UploadInPartsAsync(string localPath, string path, string key, long size, CancellationToken cancellationToken)
    {
        var partSize = Math.Max(Math.Max(_options.PartSize, 5L * 1024 * 1024), (size + 9999) / 10000);
        var created = await RunAsync(true, "CreateMultipartUpload", "upload", path, key, t => _client.InitiateMultipartUploadAsync(
            new InitiateMultipartUploadRequest { BucketName = _target.Bucket, Key = key }, t), cancellationToken).ConfigureAwait(false);
        try
        {
            var parts = new List<PartETag>();
            for (var (number, offset) = (1, 0L); offset < size; number++, offset += partSize)
            {
                var (n, position, length) = (number, offset, Math.Min(partSize, size - offset));
                var part = await RunAsync(true, "UploadPart", "upload", path, key, t => _client.UploadPartAsync(new UploadPartRequest
                {
                    BucketName = _target.Bucket, Key = key, UploadId = created.UploadId, PartNumber = n,
                    FilePath = localPath, FilePosition = position, PartSize = length,
                    UseChunkEncoding = false, DisablePayloadSigning = _unsignedPayload,
                }, t), cancellationToken).ConfigureAwait(false);
                parts.Add(new PartETag(n, part.ETag));
            }
            await RunAsync(true, "CompleteMultipartUpload", "upload", path, key, t => _client.CompleteMultipartUploadAsync(
                new CompleteMultipartUploadRequest { BucketName = _target.Bucket, Key = key, UploadId = created.UploadId, PartETags = parts },
                t), cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e)
        {
            await AbortUploadAsync(key, created.UploadId, e).ConfigureAwait(false);
            throw;
        }
    }

    private async Task AbortUploadAsync(string key, string uploadId, Exception cause)
    {
        try
        {
            await _client.AbortMultipartUploadAsync(new AbortMultipartUploadRequest
            {
                BucketName = _target.Bucket, Key = key, UploadId = uploadId,
            }, CancellationToken.None).ConfigureAwait(false);
        }
        catch (Exception e) when (e is AmazonServiceException or HttpRequestException or IOException or OperationCanceledException)
        {
            // The store expires abandoned uploads by its own lifecycle rules; the upload's own error is the one to report.
            _logger.LogWarning("Could not abort multipart upload {UploadId} of {Key} on {Target} after {Cause}: {Reason}",
                uploadId, key, Url, cause.Message, e.Message);
        }
    }

    /// <summary>Runs one request with retries and turns its final failure into an error that names the path and the target.</summary>
    private async ValueTask<T> RunAsync<T>(bool write, string operation, string verb, string path, string key,
        Func<CancellationToken, Task<T>> request, CancellationToken cancellationToken)
    {
        try
        {
            return await _retry.RunAsync(write, operation, key, request, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            throw Failure(verb, path, e);
        }
    }

    private BackupStoreException Failure(string verb, string path, Exception e)
    {
        var what = path.Length == 0 ? "the root" : path;
        return e switch
        {
            BackupStoreException store => store,
            AmazonS3Exception { ErrorCode: "NoSuchBucket" } =>
                new BackupStoreException($"cannot {verb} {what} in backupstore {Url}: bucket {_target.Bucket} does not exist", e),
            AmazonS3Exception { StatusCode: HttpStatusCode.NotFound } when verb == "read" =>
                new BackupStoreNotFoundException($"cannot find {what} in backupstore {Url}", e),
            _ => new BackupStoreException($"cannot {verb} {what} in backupstore {Url}: {S3RetryPolicy.Describe(e)}", e),
        };
    }

    private static bool RefusesMultiDelete(AmazonS3Exception e) =>
        e.StatusCode is HttpStatusCode.NotImplemented or HttpStatusCode.MethodNotAllowed
        || e.ErrorCode is "NotImplemented" or "MethodNotAllowed";

    private static AmazonS3Client CreateClient(S3Target target, S3Settings settings, S3DriverOptions options, S3HttpClientFactory http)
    {
        // Never left to the SDK's fallback chain, which may ask the EC2 metadata service.
        var region = target.Region ?? Environment.GetEnvironmentVariable("AWS_REGION") ?? Environment.GetEnvironmentVariable("AWS_DEFAULT_REGION");
        if (string.IsNullOrEmpty(region)) region = "us-east-1";
        var config = new AmazonS3Config
        {
            ForcePathStyle = !settings.VirtualHostedStyle,
            RequestChecksumCalculation = RequestChecksumCalculation.WHEN_REQUIRED,
            ResponseChecksumValidation = ResponseChecksumValidation.WHEN_REQUIRED,
            MaxErrorRetry = 0, // S3RetryPolicy retries, with the key in its log
            Timeout = options.RequestTimeout,
            HttpClientFactory = http,
        };
        if (settings.Endpoint is not null)
        {
            config.ServiceURL = settings.Endpoint.ToString();
            config.AuthenticationRegion = region;
        }
        else
        {
            config.RegionEndpoint = RegionEndpoint.GetBySystemName(region);
        }
        return settings.AccessKeyId is not null
            ? new AmazonS3Client(new BasicAWSCredentials(settings.AccessKeyId, settings.SecretAccessKey), config)
            : new AmazonS3Client(config);
    }
}
