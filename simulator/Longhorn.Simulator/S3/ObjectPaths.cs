using System.Text;

namespace Longhorn.Simulator.S3;

/// <summary>
/// Maps object keys to files under a bucket directory and back. Each key segment is percent-encoded and suffixed
/// (<c>.d</c> for a directory level, <c>.obj</c> for the object), so no key, however it is written (<c>..</c>, empty
/// segments, a key that is also a prefix of others), can name a file outside the bucket or collide with another.
/// </summary>
public static class ObjectPaths
{
    public const string ObjectSuffix = ".obj";
    public const string DirectorySuffix = ".d";
    private const int MaxKeyBytes = 1024;
    private const int MaxNameBytes = 250;

    /// <summary>The file of a key under the bucket directory; throws KeyTooLongError for keys S3 would refuse.</summary>
    public static string File(string bucketDirectory, string key)
    {
        if (Encoding.UTF8.GetByteCount(key) > MaxKeyBytes) throw S3Error.KeyTooLong();
        var segments = key.Split('/');
        var path = bucketDirectory;
        for (var i = 0; i < segments.Length; i++)
            path = Path.Combine(path, EncodeSegment(segments[i]) + (i == segments.Length - 1 ? ObjectSuffix : DirectorySuffix));
        return path;
    }

    /// <summary>The directory holding the keys that start with <paramref name="directoryKey"/> (which ends in '/').</summary>
    public static string Directory(string bucketDirectory, string directoryKey)
    {
        var path = bucketDirectory;
        foreach (var segment in directoryKey.Split('/')[..^1]) path = Path.Combine(path, EncodeSegment(segment) + DirectorySuffix);
        return path;
    }

    /// <summary>A file or directory name back to its key segment and kind; null for anything else (temp files).</summary>
    public static (string Segment, bool IsDirectory)? Decode(string name)
    {
        if (name.EndsWith(ObjectSuffix, StringComparison.Ordinal)) return (Uri.UnescapeDataString(name[..^ObjectSuffix.Length]), false);
        if (name.EndsWith(DirectorySuffix, StringComparison.Ordinal)) return (Uri.UnescapeDataString(name[..^DirectorySuffix.Length]), true);
        return null;
    }

    private static string EncodeSegment(string segment)
    {
        var builder = new StringBuilder(segment.Length);
        foreach (var b in Encoding.UTF8.GetBytes(segment))
        {
            var c = (char)b;
            if (char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.' or '~' or '+' or '=' or ',' or '@') builder.Append(c);
            else builder.Append('%').Append(b.ToString("X2"));
        }
        if (builder.Length > MaxNameBytes) throw S3Error.KeyTooLong();
        return builder.ToString();
    }
}
