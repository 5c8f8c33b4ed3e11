using System.Security.Cryptography;
using System.Text.Json;

namespace Longhorn.Simulator.S3;

/// <summary>
/// Multipart uploads kept in <c>.multipart/&lt;upload id&gt;/</c> of the data directory: parts are object files, and
/// completing concatenates them into the object with S3's ETag (MD5 of the part MD5s, then "-N").
/// </summary>
public sealed class MultipartUploads
{
    /// <summary>S3's minimum size of every part but the last.</summary>
    public const long MinPartSize = 5L * 1024 * 1024;

    private readonly ObjectStore _objects;
    private readonly string _root;
    private readonly TimeProvider _time;

    public MultipartUploads(ObjectStore objects, TimeProvider time)
    {
        _objects = objects;
        _time = time;
        _root = Path.Combine(objects.Root, ".multipart");
        Directory.CreateDirectory(_root);
    }

    /// <summary>An upload in progress: where it will land and with what headers.</summary>
    public sealed record Upload(string Bucket, string Key, string? ContentType, Dictionary<string, string> Metadata, DateTimeOffset Initiated);

    public string Create(string bucket, string key, string? contentType, Dictionary<string, string> metadata)
    {
        _objects.BucketDirectory(bucket);
        ObjectPaths.File(_objects.BucketDirectory(bucket), key); // refuse keys the object store would refuse, now
        var id = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16));
        var directory = Path.Combine(_root, id);
        Directory.CreateDirectory(directory);
        File.WriteAllBytes(Path.Combine(directory, "upload.json"),
            JsonSerializer.SerializeToUtf8Bytes(new Upload(bucket, key, contentType, metadata, _time.GetUtcNow())));
        return id;
    }

    public Upload Get(string bucket, string key, string uploadId)
    {
        var file = Path.Combine(UploadDirectory(uploadId), "upload.json");
        Upload? upload = null;
        try
        {
            upload = JsonSerializer.Deserialize<Upload>(File.ReadAllBytes(file));
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            // reported below
        }
        if (upload is null || upload.Bucket != bucket || upload.Key != key) throw S3Error.NoSuchUpload(uploadId);
        return upload;
    }

    public async Task<ObjectInfo> PutPartAsync(string bucket, string key, string uploadId, int partNumber, Stream body,
        CancellationToken cancellationToken)
    {
        Get(bucket, key, uploadId);
        if (partNumber is < 1 or > 10000) throw S3Error.InvalidArgument("Part number must be an integer between 1 and 10000, inclusive.");
        var temp = _objects.TempFile();
        try
        {
            var info = await ObjectFile.WriteAsync(temp, (sink, ct) => sink.CopyFromAsync(body, null, ct),
                (size, md5) => new ObjectInfo { Key = partNumber.ToString(), Size = size, ETag = Convert.ToHexStringLower(md5), LastModified = _time.GetUtcNow() },
                cancellationToken).ConfigureAwait(false);
            File.Move(temp, PartFile(uploadId, partNumber), overwrite: true);
            return info;
        }
        catch (DirectoryNotFoundException)
        {
            throw S3Error.NoSuchUpload(uploadId); // aborted meanwhile
        }
        finally
        {
            File.Delete(temp);
        }
    }

    /// <summary>The uploaded parts by number; the info's key is the part number.</summary>
    public IReadOnlyList<ObjectInfo> ListParts(string bucket, string key, string uploadId)
    {
        Get(bucket, key, uploadId);
        return Directory.EnumerateFiles(UploadDirectory(uploadId), "*.part")
            .Select(ObjectFile.ReadInfo).OfType<ObjectInfo>()
            .OrderBy(p => int.Parse(p.Key))
            .ToList();
    }

    public async Task<ObjectInfo> CompleteAsync(string bucket, string key, string uploadId, IReadOnlyList<(int Number, string ETag)> parts,
        CancellationToken cancellationToken)
    {
        var upload = Get(bucket, key, uploadId);
        if (parts.Count == 0) throw S3Error.MalformedXml();
        for (var i = 1; i < parts.Count; i++)
            if (parts[i].Number <= parts[i - 1].Number) throw S3Error.InvalidPartOrder();
        var stored = ListParts(bucket, key, uploadId).ToDictionary(p => int.Parse(p.Key));
        using var md5s = IncrementalHash.CreateHash(HashAlgorithmName.MD5);
        for (var i = 0; i < parts.Count; i++)
        {
            var (number, etag) = parts[i];
            if (!stored.TryGetValue(number, out var part) || part.ETag != etag.Trim('"'))
                throw S3Error.InvalidPart($"One or more of the specified parts could not be found: part {number}.");
            if (i < parts.Count - 1 && part.Size < MinPartSize) throw S3Error.EntityTooSmall(number);
            md5s.AppendData(Convert.FromHexString(part.ETag));
        }
        var multipartETag = $"{Convert.ToHexStringLower(md5s.GetHashAndReset())}-{parts.Count}";
        var info = await _objects.PutAsync(bucket, key, async (sink, ct) =>
        {
            foreach (var (number, _) in parts)
            {
                var opened = ObjectFile.OpenRead(PartFile(uploadId, number)) ?? throw S3Error.NoSuchUpload(uploadId);
                await using var file = opened.File;
                await sink.CopyFromAsync(file, opened.Info.Size, ct).ConfigureAwait(false);
            }
        }, upload.ContentType, upload.Metadata, multipartETag, cancellationToken).ConfigureAwait(false);
        Remove(uploadId);
        return info;
    }

    public void Abort(string bucket, string key, string uploadId)
    {
        Get(bucket, key, uploadId);
        Remove(uploadId);
    }

    private void Remove(string uploadId)
    {
        try
        {
            Directory.Delete(UploadDirectory(uploadId), recursive: true);
        }
        catch (DirectoryNotFoundException)
        {
            // completed or aborted concurrently
        }
    }

    private string UploadDirectory(string uploadId) =>
        uploadId.Length == 32 && uploadId.All(char.IsAsciiHexDigitLower) ? Path.Combine(_root, uploadId) : throw S3Error.NoSuchUpload(uploadId);

    private string PartFile(string uploadId, int number) => Path.Combine(UploadDirectory(uploadId), $"{number:D5}.part");
}
