using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text.Json;

namespace Longhorn.Simulator.S3;

/// <summary>
/// The on-disk form of an object or part: its bytes, then its <see cref="ObjectInfo"/> as JSON, then the JSON's length
/// and a magic number. One file, so one rename publishes bytes and metadata together.
/// </summary>
public static class ObjectFile
{
    private const int FooterSize = 12;
    private const uint Magic = 0x4C485333; // "LHS3"

    /// <summary>Streams the body into a new file at <paramref name="path"/>, then appends the info built from its size and MD5.</summary>
    public static async Task<ObjectInfo> WriteAsync(string path, Func<ObjectSink, CancellationToken, Task> writeBody,
        Func<long, byte[], ObjectInfo> describe, CancellationToken cancellationToken)
    {
        await using var file = new FileStream(path, FileMode.CreateNew, FileAccess.Write, FileShare.None, 0, FileOptions.Asynchronous);
        using var md5 = IncrementalHash.CreateHash(HashAlgorithmName.MD5);
        var sink = new ObjectSink(file, md5);
        await writeBody(sink, cancellationToken).ConfigureAwait(false);
        var info = describe(sink.Length, md5.GetHashAndReset());
        var json = JsonSerializer.SerializeToUtf8Bytes(info);
        var footer = new byte[FooterSize];
        BinaryPrimitives.WriteInt64LittleEndian(footer, json.Length);
        BinaryPrimitives.WriteUInt32LittleEndian(footer.AsSpan(8), Magic);
        await file.WriteAsync(json, cancellationToken).ConfigureAwait(false);
        await file.WriteAsync(footer, cancellationToken).ConfigureAwait(false);
        await file.FlushAsync(cancellationToken).ConfigureAwait(false);
        file.Flush(flushToDisk: true);
        return info;
    }

    /// <summary>Reads the info of an object file; null when it is missing.</summary>
    public static ObjectInfo? ReadInfo(string path)
    {
        try
        {
            using var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete, 0);
            return ReadInfo(file);
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            return null;
        }
    }

    /// <summary>Opens an object file for its bytes: the stream is positioned at 0 and the info says how many there are.</summary>
    public static (FileStream File, ObjectInfo Info)? OpenRead(string path)
    {
        FileStream file;
        try
        {
            file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete, 0, FileOptions.Asynchronous);
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            return null;
        }
        try
        {
            var info = ReadInfo(file);
            file.Position = 0;
            return (file, info);
        }
        catch
        {
            file.Dispose();
            throw;
        }
    }

    private static ObjectInfo ReadInfo(FileStream file)
    {
        Span<byte> footer = stackalloc byte[FooterSize];
        if (file.Length < FooterSize) throw new InvalidDataException($"{file.Name} is not an object file");
        file.Position = file.Length - FooterSize;
        file.ReadExactly(footer);
        var length = BinaryPrimitives.ReadInt64LittleEndian(footer);
        if (BinaryPrimitives.ReadUInt32LittleEndian(footer[8..]) != Magic || length <= 0 || length > file.Length - FooterSize)
            throw new InvalidDataException($"{file.Name} is not an object file");
        var json = new byte[length];
        file.Position = file.Length - FooterSize - length;
        file.ReadExactly(json);
        return JsonSerializer.Deserialize<ObjectInfo>(json) ?? throw new InvalidDataException($"{file.Name} has no object info");
    }
}
