namespace Longhorn.Engine.Store.S3;

/// <summary>
/// An <c>s3://bucket@region/path/</c> or <c>s3://bucket/path/</c> target (s3.go:initFunc): the bucket, the region if
/// given, and the key prefix every store path is joined to.
/// </summary>
internal sealed record S3Target(string Bucket, string? Region, string Prefix)
{
    private const string Forms = "must be either s3://bucket@region/path/, or s3://bucket/path";

    /// <summary>The normalised URL (Go's GetURL): <c>s3://bucket[@region]/prefix</c>.</summary>
    public string Url => Region is null ? $"s3://{Bucket}/{Prefix}" : $"s3://{Bucket}@{Region}/{Prefix}";

    /// <summary>Parses a target URL; errors name the target.</summary>
    public static S3Target Parse(string raw)
    {
        if (!raw.StartsWith("s3://", StringComparison.Ordinal))
            throw new BackupStoreArgumentException($"invalid backup target URL {raw}: not an s3:// URL");
        var rest = raw["s3://".Length..].Split('?', 2)[0];
        var slash = rest.IndexOf('/', StringComparison.Ordinal);
        if (slash < 0)
            throw new BackupStoreArgumentException($"invalid backup target URL {raw}: the URL has no path; {Forms}");
        var authority = rest[..slash];
        var path = Uri.UnescapeDataString(rest[(slash + 1)..]);
        string bucket;
        string? region = null;
        var at = authority.IndexOf('@', StringComparison.Ordinal);
        if (at >= 0)
        {
            bucket = Uri.UnescapeDataString(authority[..at]);
            region = authority[(at + 1)..];
            if (region.Length == 0 || !region.All(c => char.IsAsciiLetterOrDigit(c) || c == '-'))
                throw new BackupStoreArgumentException($"invalid backup target URL {raw}: invalid region '{region}'; {Forms}");
        }
        else
        {
            bucket = authority;
        }
        if (!IsBucketName(bucket))
            throw new BackupStoreArgumentException($"invalid backup target URL {raw}: invalid bucket name '{bucket}'; {Forms}");
        if (path.Split('/').Any(segment => segment == ".."))
            throw new BackupStoreArgumentException($"invalid backup target URL {raw}: the path may not contain '..'");
        return new S3Target(bucket, region, path);
    }

    /// <summary>The object key of a store path: Go's <c>filepath.Join(prefix, path)</c>, keeping a trailing slash.</summary>
    public string Key(string storePath)
    {
        var joined = Clean(Prefix.Length == 0 ? storePath : Prefix + "/" + storePath);
        if (joined.StartsWith("../", StringComparison.Ordinal) || joined == "..")
            throw new BackupStoreArgumentException($"path {storePath} escapes the backupstore prefix of {Url}");
        if (joined == ".") joined = "";
        return joined.Length > 0 && storePath.EndsWith('/') ? joined + "/" : joined;
    }

    /// <summary>The listing prefix of a store directory: its key with one trailing slash, or "" for the bucket root.</summary>
    public string DirectoryPrefix(string storePath)
    {
        var key = Key(storePath).TrimEnd('/');
        return key.Length == 0 ? "" : key + "/";
    }

    /// <summary>Go's path.Clean for relative paths: drops empty and "." segments and resolves "..".</summary>
    private static string Clean(string path)
    {
        var parts = new List<string>();
        foreach (var segment in path.Split('/'))
        {
            if (segment.Length == 0 || segment == ".") continue;
            if (segment == ".." && parts.Count > 0 && parts[^1] != "..") parts.RemoveAt(parts.Count - 1);
            else parts.Add(segment);
        }
        return parts.Count == 0 ? "." : string.Join('/', parts);
    }

    private static bool IsBucketName(string name) =>
        name.Length is >= 3 and <= 255 && name.All(c => char.IsAsciiLetterOrDigit(c) || c is '.' or '-' or '_')
                                       && char.IsAsciiLetterOrDigit(name[0]) && !name.Contains("..", StringComparison.Ordinal);
}
