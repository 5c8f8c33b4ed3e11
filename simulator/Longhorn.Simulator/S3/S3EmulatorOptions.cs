using System.Security.Cryptography.X509Certificates;

namespace Longhorn.Simulator.S3;

/// <summary>How the MinIO-compatible emulator listens, whom it lets in, which buckets it starts with, and its faults.</summary>
public sealed record S3EmulatorOptions
{
    public const string DefaultAccessKey = "longhorn-test-access-key";
    public const string DefaultSecretKey = "longhorn-test-secret-key";
    public const string DefaultBucket = "backupbucket";

    /// <summary>Where buckets and objects are kept; they survive a restart.</summary>
    public required string DataDirectory { get; init; }

    public string Host { get; init; } = "127.0.0.1";

    /// <summary>0 picks a free port (kept across restarts of the same emulator).</summary>
    public int Port { get; init; }

    /// <summary>Access key → secret key pairs accepted in SigV4 signatures.</summary>
    public IReadOnlyDictionary<string, string> Credentials { get; init; } =
        new Dictionary<string, string> { [DefaultAccessKey] = DefaultSecretKey };

    /// <summary>Buckets created at start when missing.</summary>
    public IReadOnlyList<string> Buckets { get; init; } = [DefaultBucket];

    /// <summary>Virtual-hosted-style requests are those to <c>&lt;bucket&gt;.&lt;Domain&gt;</c> (MinIO's MINIO_DOMAIN).</summary>
    public string Domain { get; init; } = "localhost";

    public string Region { get; init; } = "us-east-1";

    public S3Faults Faults { get; init; } = S3Faults.None;

    /// <summary>Refuse aws-chunked uploads with 501, as s3rver and some S3-compatible stores do.</summary>
    public bool RejectChunkedUploads { get; init; }

    /// <summary>Refuse DeleteObjects (multi-object delete) with 501, as some S3-compatible stores do.</summary>
    public bool RejectMultiObjectDelete { get; init; }

    /// <summary>Serve HTTPS with this certificate instead of HTTP.</summary>
    public X509Certificate2? Certificate { get; init; }

    /// <summary>
    /// The bearer token <c>/_admin/faults</c> requires (<c>Authorization: Bearer ...</c>); a random one per emulator when
    /// not given, printed at start.
    /// </summary>
    public string AdminToken { get; init; } = Convert.ToHexString(System.Security.Cryptography.RandomNumberGenerator.GetBytes(16)).ToLowerInvariant();

    /// <summary>Keep every addressed S3 request's method, resource and query in <see cref="S3Emulator.Calls"/> (as
    /// <c>mc admin trace</c> shows them), for a test that asserts which requests a client made.</summary>
    public bool RecordCalls { get; init; }

    /// <summary>Take admin requests from other machines too (default: loopback clients only, whatever address it listens on).</summary>
    public bool AdminFromAnywhere { get; init; }
}
