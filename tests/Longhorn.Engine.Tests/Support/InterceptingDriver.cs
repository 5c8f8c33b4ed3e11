using System.Collections.Concurrent;
using Longhorn.Engine.Store;

namespace Longhorn.Engine.Tests.Support;

/// <summary>
/// Wraps a real driver with hooks that run before a read, write, remove or list (to act in the middle of an operation, or throw
/// to fail it), counts reads per path, and, given a clock, reports object times from that clock as an S3 server stamps
/// LastModified with its own, so lock expiry can be tested without sleeping.
/// </summary>
public sealed class InterceptingDriver(IBackupStoreDriver inner, TimeProvider? storeClock = null) : IBackupStoreDriver
{
    private readonly ConcurrentDictionary<string, DateTimeOffset> _times = new(StringComparer.Ordinal);

    public Func<string, ValueTask>? BeforeRead { get; set; }
    public Func<string, ValueTask>? BeforeWrite { get; set; }
    public Func<string, ValueTask>? BeforeRemove { get; set; }
    public Func<string, ValueTask>? BeforeList { get; set; }

    /// <summary>Replaces the stream a read returns (a body that ends early, as a cut connection's does).</summary>
    public Func<string, Stream, Stream>? ServeRead { get; set; }

    /// <summary>Replaces the size the store reports for an object (a store whose listing lags its writes).</summary>
    public Func<string, long, long>? ReportSize { get; set; }

    public ConcurrentDictionary<string, int> Reads { get; } = new(StringComparer.Ordinal);

    public string Url => inner.Url;

    public ValueTask<bool> FileExistsAsync(string path, CancellationToken ct) => inner.FileExistsAsync(path, ct);
    public async ValueTask<long> FileSizeAsync(string path, CancellationToken ct)
    {
        var size = await inner.FileSizeAsync(path, ct);
        return ReportSize is { } report ? report(path, size) : size;
    }
    public ValueTask DownloadAsync(string path, string localPath, CancellationToken ct) => inner.DownloadAsync(path, localPath, ct);

    public async ValueTask<DateTimeOffset?> FileTimeAsync(string path, CancellationToken ct)
    {
        var time = await inner.FileTimeAsync(path, ct);
        if (time is null || storeClock is null) return time;
        return _times.TryGetValue(path, out var stamped) ? stamped : time;
    }

    public async ValueTask<Stream> ReadAsync(string path, CancellationToken ct)
    {
        Reads.AddOrUpdate(path, 1, (_, n) => n + 1);
        if (BeforeRead is { } hook) await hook(path);
        var stream = await inner.ReadAsync(path, ct);
        return ServeRead is { } serve ? serve(path, stream) : stream;
    }

    public async ValueTask<IReadOnlyList<string>> ListAsync(string path, CancellationToken ct)
    {
        if (BeforeList is { } hook) await hook(path);
        return await inner.ListAsync(path, ct);
    }

    public async ValueTask RemoveAsync(string path, CancellationToken ct)
    {
        if (BeforeRemove is { } hook) await hook(path);
        await inner.RemoveAsync(path, ct);
        foreach (var key in _times.Keys.Where(k => k == path || k.StartsWith(path.TrimEnd('/') + "/", StringComparison.Ordinal)))
            _times.TryRemove(key, out _);
    }

    public async ValueTask WriteAsync(string path, ReadOnlyMemory<byte> data, CancellationToken ct)
    {
        if (BeforeWrite is { } hook) await hook(path);
        await inner.WriteAsync(path, data, ct);
        if (storeClock is not null) _times[path] = storeClock.GetUtcNow();
    }

    public async ValueTask UploadAsync(string localPath, string path, CancellationToken ct)
    {
        await inner.UploadAsync(localPath, path, ct);
        if (storeClock is not null) _times[path] = storeClock.GetUtcNow();
    }

    /// <summary>The time the store clock stamped on the object's last write, if this driver wrote it.</summary>
    public DateTimeOffset? StampOf(string path) => _times.TryGetValue(path, out var at) ? at : null;
}
