namespace Longhorn.Simulator.S3;

/// <summary>What the emulator keeps about an object besides its bytes.</summary>
public sealed record ObjectInfo
{
    public required string Key { get; init; }
    public long Size { get; init; }

    /// <summary>The ETag without quotes: the MD5 hex, or md5-of-part-md5s + "-N" for multipart objects.</summary>
    public required string ETag { get; init; }

    public DateTimeOffset LastModified { get; init; }
    public string ContentType { get; init; } = "binary/octet-stream";
    public IReadOnlyDictionary<string, string> Metadata { get; init; } = new Dictionary<string, string>();
}
