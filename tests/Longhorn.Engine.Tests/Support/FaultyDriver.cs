using System.Collections.Concurrent;
using Longhorn.Engine.Store;

namespace Longhorn.Engine.Tests.Support;

/// <summary>
/// Wraps a real driver: records every path it writes, uploads and removes, can run a hook before each write, and throws
/// on the Nth write (counting from 1), to test what a failure leaves behind.
/// </summary>
public sealed class FaultyDriver(IBackupStoreDriver inner) : IBackupStoreDriver
{
    private int _writes;

    /// <summary>The write that throws; 0 means none.</summary>
    public int FailOnWrite { get; set; }

    /// <summary>Runs before each write with its number and path (e.g. to stop a server mid-backup).</summary>
    public Func<int, string, ValueTask>? BeforeWrite { get; set; }

    public int Writes => _writes;

    /// <summary>"write path", "upload path" and "remove path", in the order they were asked for.</summary>
    public ConcurrentQueue<string> Operations { get; } = new();

    public string Url => inner.Url;
    public ValueTask<bool> FileExistsAsync(string path, CancellationToken ct) => inner.FileExistsAsync(path, ct);
    public ValueTask<long> FileSizeAsync(string path, CancellationToken ct) => inner.FileSizeAsync(path, ct);
    public ValueTask<DateTimeOffset?> FileTimeAsync(string path, CancellationToken ct) => inner.FileTimeAsync(path, ct);
    public ValueTask<Stream> ReadAsync(string path, CancellationToken ct) => inner.ReadAsync(path, ct);
    public ValueTask<IReadOnlyList<string>> ListAsync(string path, CancellationToken ct) => inner.ListAsync(path, ct);
    public ValueTask DownloadAsync(string path, string localPath, CancellationToken ct) => inner.DownloadAsync(path, localPath, ct);

    public ValueTask RemoveAsync(string path, CancellationToken ct)
    {
        Operations.Enqueue("remove " + path);
        return inner.RemoveAsync(path, ct);
    }

    public ValueTask UploadAsync(string localPath, string path, CancellationToken ct)
    {
        Operations.Enqueue("upload " + path);
        return inner.UploadAsync(localPath, path, ct);
    }

    public async ValueTask WriteAsync(string path, ReadOnlyMemory<byte> data, CancellationToken ct)
    {
        var number = Interlocked.Increment(ref _writes);
        Operations.Enqueue("write " + path);
        if (BeforeWrite is { } hook) await hook(number, path);
        if (number == FailOnWrite) throw new BackupStoreException($"injected failure writing {path}");
        await inner.WriteAsync(path, data, ct);
    }
}
