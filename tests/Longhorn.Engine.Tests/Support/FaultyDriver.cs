using Longhorn.Engine.Store;

namespace Longhorn.Engine.Tests.Support;

/// <summary>Wraps a real driver and throws on the Nth write (counting from 1), to test what a failure leaves behind.</summary>
public sealed class FaultyDriver(IBackupStoreDriver inner) : IBackupStoreDriver
{
    private int _writes;

    /// <summary>The write that throws; 0 means none.</summary>
    public int FailOnWrite { get; set; }

    public int Writes => _writes;

    public string Url => inner.Url;
    public ValueTask<bool> FileExistsAsync(string path, CancellationToken ct) => inner.FileExistsAsync(path, ct);
    public ValueTask<long> FileSizeAsync(string path, CancellationToken ct) => inner.FileSizeAsync(path, ct);
    public ValueTask<DateTimeOffset?> FileTimeAsync(string path, CancellationToken ct) => inner.FileTimeAsync(path, ct);
    public ValueTask<Stream> ReadAsync(string path, CancellationToken ct) => inner.ReadAsync(path, ct);
    public ValueTask<IReadOnlyList<string>> ListAsync(string path, CancellationToken ct) => inner.ListAsync(path, ct);
    public ValueTask RemoveAsync(string path, CancellationToken ct) => inner.RemoveAsync(path, ct);
    public ValueTask UploadAsync(string localPath, string path, CancellationToken ct) => inner.UploadAsync(localPath, path, ct);
    public ValueTask DownloadAsync(string path, string localPath, CancellationToken ct) => inner.DownloadAsync(path, localPath, ct);

    public ValueTask WriteAsync(string path, ReadOnlyMemory<byte> data, CancellationToken ct)
    {
        if (Interlocked.Increment(ref _writes) == FailOnWrite)
            throw new BackupStoreException($"injected failure writing {path}");
        return inner.WriteAsync(path, data, ct);
    }
}
