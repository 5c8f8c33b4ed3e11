namespace Longhorn.Engine.Store.S3;

/// <summary>Retry, timeout and upload tuning of the S3 driver; the defaults follow Longhorn's Go client.</summary>
public sealed record S3DriverOptions
{
    /// <summary>Retries of a read, list, head or delete after the first attempt (Go: 5 attempts).</summary>
    public int MaxRetryAttempts { get; init; } = 4;

    /// <summary>Retries of a put or multipart step after the first attempt (Go's PUT retryer: 10 attempts).</summary>
    public int WriteMaxRetryAttempts { get; init; } = 9;

    /// <summary>The first backoff; each retry doubles it, with jitter, up to <see cref="RetryMaxDelay"/>.</summary>
    public TimeSpan RetryBaseDelay { get; init; } = TimeSpan.FromMilliseconds(200);

    public TimeSpan RetryMaxDelay { get; init; } = TimeSpan.FromSeconds(20);

    /// <summary>How long one HTTP request may take before it is abandoned and retried.</summary>
    public TimeSpan RequestTimeout { get; init; } = TimeSpan.FromMinutes(2);

    /// <summary>Local files larger than this are uploaded in parts (Go's manager.Uploader: 5 MiB).</summary>
    public long MultipartThreshold { get; init; } = 5L * 1024 * 1024;

    /// <summary>The part size of multipart uploads; S3's minimum is 5 MiB.</summary>
    public long PartSize { get; init; } = 5L * 1024 * 1024;

    /// <summary>Keys per multi-object delete request (S3's maximum is 1000).</summary>
    public int DeleteBatchSize { get; init; } = 1000;
}
