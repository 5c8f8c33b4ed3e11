using Longhorn.Engine.Store;
using Longhorn.Engine.Store.S3;

namespace Longhorn.Engine.Tests.Support;

/// <summary>An S3 endpoint a test writes to (the emulator or moto): each driver gets its own prefix in one bucket.</summary>
public sealed record S3TestTarget(Uri Endpoint, string Bucket, string AccessKey, string SecretKey)
{
    /// <summary>Retries fast enough for tests, still with backoff.</summary>
    public static readonly S3DriverOptions FastRetries = new()
    {
        RetryBaseDelay = TimeSpan.FromMilliseconds(10), RetryMaxDelay = TimeSpan.FromMilliseconds(200), RequestTimeout = TimeSpan.FromSeconds(30),
    };

    public IReadOnlyDictionary<string, string> Credentials => new Dictionary<string, string>
    {
        [S3Settings.AccessKeyIdKey] = AccessKey, [S3Settings.SecretAccessKeyKey] = SecretKey, [S3Settings.EndpointsKey] = Endpoint.ToString(),
    };

    /// <summary>A fresh <c>s3://bucket@us-east-1/&lt;unique&gt;/</c> target.</summary>
    public string NewTargetUrl() => $"s3://{Bucket}@us-east-1/{Guid.NewGuid():N}/";

    /// <summary>Creates a driver on a fresh prefix through the registry, with its connection test.</summary>
    public async Task<IBackupStoreDriver> CreateDriverAsync(string? targetUrl = null, S3DriverOptions? options = null, TimeProvider? time = null) =>
        await new BackupStoreDrivers().AddS3(options ?? FastRetries, time)
            .CreateAsync(targetUrl ?? NewTargetUrl(), Credentials);
}
