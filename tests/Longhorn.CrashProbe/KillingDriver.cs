using System.Diagnostics;
using Longhorn.Engine.Store;

namespace Longhorn.CrashProbe;

/// <summary>
/// Passes every verb to the real driver and kills this process (SIGKILL: no finally, no cleanup) right after the write
/// named by the kill point lands: <c>lock</c> (the lock marked acquired), <c>placeholder</c> (the in-progress cfg),
/// <c>block:N</c> (the Nth block object), <c>cfg</c> (the final cfg, before volume.cfg is updated).
/// </summary>
public sealed class KillingDriver(IBackupStoreDriver inner, string killPoint) : IBackupStoreDriver
{
    private int _lockWrites;
    private int _cfgWrites;
    private int _blockWrites;

    public string Url => inner.Url;
    public ValueTask<bool> FileExistsAsync(string path, CancellationToken ct) => inner.FileExistsAsync(path, ct);
    public ValueTask<long> FileSizeAsync(string path, CancellationToken ct) => inner.FileSizeAsync(path, ct);
    public ValueTask<DateTimeOffset?> FileTimeAsync(string path, CancellationToken ct) => inner.FileTimeAsync(path, ct);
    public ValueTask<Stream> ReadAsync(string path, CancellationToken ct) => inner.ReadAsync(path, ct);
    public ValueTask<IReadOnlyList<string>> ListAsync(string path, CancellationToken ct) => inner.ListAsync(path, ct);
    public ValueTask RemoveAsync(string path, CancellationToken ct) => inner.RemoveAsync(path, ct);
    public ValueTask UploadAsync(string localPath, string path, CancellationToken ct) => inner.UploadAsync(localPath, path, ct);
    public ValueTask DownloadAsync(string path, string localPath, CancellationToken ct) => inner.DownloadAsync(path, localPath, ct);

    public async ValueTask WriteAsync(string path, ReadOnlyMemory<byte> data, CancellationToken ct)
    {
        await inner.WriteAsync(path, data, ct);
        var point = path switch
        {
            _ when path.EndsWith(".lck", StringComparison.Ordinal) => Interlocked.Increment(ref _lockWrites) == 2 ? "lock" : null,
            _ when path.EndsWith(".cfg", StringComparison.Ordinal) && path.Contains("/backups/backup_", StringComparison.Ordinal) =>
                Interlocked.Increment(ref _cfgWrites) == 1 ? "placeholder" : "cfg",
            _ when path.EndsWith(".blk", StringComparison.Ordinal) => "block:" + Interlocked.Increment(ref _blockWrites),
            _ => null,
        };
        if (point == killPoint)
        {
            Console.Out.WriteLine($"killed at {point}");
            Console.Out.Flush();
            Process.GetCurrentProcess().Kill();
        }
    }
}
