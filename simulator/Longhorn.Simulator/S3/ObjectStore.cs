using System.Text;
using System.Text.RegularExpressions;

namespace Longhorn.Simulator.S3;

/// <summary>
/// The emulator's buckets and objects in a data directory: a directory per bucket, a file per object
/// (<see cref="ObjectPaths"/>, <see cref="ObjectFile"/>). Writes stream into <c>.tmp/</c> and are renamed into place,
/// so a reader or a restart sees the old object or the new one, never a part.
/// </summary>
public sealed partial class ObjectStore
{
    private readonly TimeProvider _time;
    private readonly string _temp;

    public ObjectStore(string root, TimeProvider time)
    {
        Root = Path.GetFullPath(root);
        _time = time;
        _temp = Path.Combine(Root, ".tmp");
        Directory.CreateDirectory(_temp);
        foreach (var stale in Directory.EnumerateFiles(_temp)) TryDelete(stale);
    }

    public string Root { get; }

    public IReadOnlyList<(string Name, DateTimeOffset Created)> ListBuckets() =>
        Directory.EnumerateDirectories(Root)
            .Select(d => Path.GetFileName(d)!)
            .Where(IsBucketName)
            .Order(StringComparer.Ordinal)
            .Select(n => (n, new DateTimeOffset(Directory.GetCreationTimeUtc(Path.Combine(Root, n)), TimeSpan.Zero)))
            .ToList();

    public bool BucketExists(string bucket) => IsBucketName(bucket) && Directory.Exists(Path.Combine(Root, bucket));

    public void CreateBucket(string bucket)
    {
        if (!IsBucketName(bucket)) throw S3Error.InvalidBucketName(bucket);
        if (BucketExists(bucket)) throw S3Error.BucketAlreadyOwnedByYou(bucket);
        Directory.CreateDirectory(Path.Combine(Root, bucket));
    }

    public void DeleteBucket(string bucket)
    {
        var directory = BucketDirectory(bucket);
        if (Directory.EnumerateFiles(directory, "*" + ObjectPaths.ObjectSuffix, SearchOption.AllDirectories).Any())
            throw S3Error.BucketNotEmpty(bucket);
        Directory.Delete(directory, recursive: true);
    }

    /// <summary>The bucket's directory; throws NoSuchBucket when it does not exist.</summary>
    public string BucketDirectory(string bucket) =>
        BucketExists(bucket) ? Path.Combine(Root, bucket) : throw S3Error.NoSuchBucket(bucket);

    /// <summary>A fresh temp file name on the same file system as the buckets (so a rename publishes it).</summary>
    public string TempFile() => Path.Combine(_temp, Guid.NewGuid().ToString("N"));

    /// <summary>Writes an object: the body streams to a temp file that is renamed over the key only when it is complete.</summary>
    public async Task<ObjectInfo> PutAsync(string bucket, string key, Func<ObjectSink, CancellationToken, Task> writeBody,
        string? contentType, IReadOnlyDictionary<string, string> metadata, string? etag, CancellationToken cancellationToken)
    {
        var target = ObjectPaths.File(BucketDirectory(bucket), key);
        var temp = TempFile();
        try
        {
            var info = await ObjectFile.WriteAsync(temp, writeBody, (size, md5) => new ObjectInfo
            {
                Key = key, Size = size, ETag = etag ?? Convert.ToHexStringLower(md5),
                LastModified = TruncateToSeconds(_time.GetUtcNow()),
                ContentType = string.IsNullOrEmpty(contentType) ? "binary/octet-stream" : contentType, Metadata = metadata,
            }, cancellationToken).ConfigureAwait(false);
            Publish(temp, target);
            return info;
        }
        finally
        {
            TryDelete(temp);
        }
    }

    public ObjectInfo Head(string bucket, string key) =>
        ObjectFile.ReadInfo(ObjectPaths.File(BucketDirectory(bucket), key)) ?? throw S3Error.NoSuchKey(key);

    public (FileStream File, ObjectInfo Info) OpenRead(string bucket, string key) =>
        ObjectFile.OpenRead(ObjectPaths.File(BucketDirectory(bucket), key)) ?? throw S3Error.NoSuchKey(key);

    /// <summary>Deletes an object (a missing one is not an error, as in S3) and prunes emptied directories.</summary>
    public void Delete(string bucket, string key)
    {
        var bucketDirectory = BucketDirectory(bucket);
        var file = ObjectPaths.File(bucketDirectory, key);
        TryDelete(file);
        for (var directory = Path.GetDirectoryName(file); directory is not null && directory.Length > bucketDirectory.Length;
             directory = Path.GetDirectoryName(directory))
        {
            try
            {
                Directory.Delete(directory);
            }
            catch (IOException)
            {
                return; // not empty (or already gone): stop pruning
            }
        }
    }

    /// <summary>
    /// The objects whose keys start with <paramref name="prefix"/>, in S3's order (UTF-8 bytes). With
    /// <paramref name="collapse"/>, a directory level below the prefix is yielded once as its key prefix (ending '/')
    /// instead of being walked, which is what a listing with delimiter "/" needs.
    /// </summary>
    public IEnumerable<(string Key, bool IsPrefix)> Walk(string bucket, string prefix, bool collapse)
    {
        var bucketDirectory = BucketDirectory(bucket);
        var slash = prefix.LastIndexOf('/');
        var baseKey = slash < 0 ? "" : prefix[..(slash + 1)];
        var directory = ObjectPaths.Directory(bucketDirectory, baseKey);
        return Directory.Exists(directory) ? Walk(directory, baseKey, prefix, collapse) : [];
    }

    /// <summary>A Utf8 ordinal comparison of keys, S3's listing order.</summary>
    public static int CompareKeys(string a, string b) => Encoding.UTF8.GetBytes(a).AsSpan().SequenceCompareTo(Encoding.UTF8.GetBytes(b));

    private IEnumerable<(string Key, bool IsPrefix)> Walk(string directory, string baseKey, string prefix, bool collapse)
    {
        IEnumerable<string> names;
        try
        {
            names = Directory.EnumerateFileSystemEntries(directory).Select(Path.GetFileName).OfType<string>().ToList();
        }
        catch (DirectoryNotFoundException)
        {
            yield break; // pruned by a concurrent delete
        }
        var entries = names
            .Select(n => (Name: n, Decoded: ObjectPaths.Decode(n)))
            .Where(e => e.Decoded is not null)
            .Select(e => (e.Name, Key: baseKey + e.Decoded!.Value.Segment + (e.Decoded.Value.IsDirectory ? "/" : ""), e.Decoded.Value.IsDirectory))
            .Where(e => e.Key.StartsWith(prefix, StringComparison.Ordinal) || (e.IsDirectory && prefix.StartsWith(e.Key, StringComparison.Ordinal)))
            .OrderBy(e => e.Key, Comparer<string>.Create(CompareKeys));
        foreach (var (name, key, isDirectory) in entries)
        {
            var path = Path.Combine(directory, name);
            if (!isDirectory) yield return (key, false);
            else if (collapse && key.Length > prefix.Length)
            {
                if (HasObjects(path)) yield return (key, true);
            }
            else
            {
                foreach (var entry in Walk(path, key, prefix, collapse)) yield return entry;
            }
        }
    }

    private static bool HasObjects(string directory)
    {
        try
        {
            return Directory.EnumerateFiles(directory, "*" + ObjectPaths.ObjectSuffix, SearchOption.AllDirectories).Any();
        }
        catch (DirectoryNotFoundException)
        {
            return false;
        }
    }

    /// <summary>Renames a finished temp file over the target, creating its directories (again, if a delete pruned them).</summary>
    private static void Publish(string temp, string target)
    {
        for (var attempt = 0; ; attempt++)
        {
            try
            {
                Directory.CreateDirectory(Path.GetDirectoryName(target)!);
                File.Move(temp, target, overwrite: true);
                return;
            }
            catch (DirectoryNotFoundException) when (attempt < 5)
            {
                // A concurrent delete pruned a parent directory between the two calls.
            }
        }
    }

    private static DateTimeOffset TruncateToSeconds(DateTimeOffset time) => new(time.Ticks - time.Ticks % TimeSpan.TicksPerSecond, TimeSpan.Zero);

    private static void TryDelete(string path)
    {
        try
        {
            File.Delete(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // Gone already, or a directory level: nothing to delete.
        }
    }

    /// <summary>S3's bucket naming rules (3–63 of a-z 0-9 . -, starting and ending alphanumeric, no "..").</summary>
    public static bool IsBucketName(string name) => BucketName().IsMatch(name) && !name.Contains("..", StringComparison.Ordinal);

    [GeneratedRegex("^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$")]
    private static partial Regex BucketName();
}
