using Longhorn.Engine;
using Longhorn.Engine.Store;
using Longhorn.Simulator.Faults;

namespace Longhorn.Simulator.Nfs;

/// <summary>
/// Stands in front of a filesystem driver as a flaky NFS server would: adds latency and fails operations with EIO,
/// and writes with ENOSPC, in the same shape the filesystem driver reports its own I/O errors.
/// </summary>
public sealed class FaultInjectingDriver : IBackupStoreDriver
{
    private const int Eio = 5;
    private const int Enospc = 28;
    private readonly IBackupStoreDriver _inner;
    private readonly TimeProvider _time;
    private volatile State _state;

    public FaultInjectingDriver(IBackupStoreDriver inner, NfsFaults faults, TimeProvider? time = null)
    {
        _inner = inner;
        _time = time ?? TimeProvider.System;
        _state = new State(faults.Validated());
    }

    public string Url => _inner.Url;

    public NfsFaults Faults
    {
        get => _state.Faults;
        set => _state = new State(value.Validated());
    }

    public async ValueTask<bool> FileExistsAsync(string path, CancellationToken ct)
    {
        await InjectAsync("stat", path, write: false, ct).ConfigureAwait(false);
        return await _inner.FileExistsAsync(path, ct).ConfigureAwait(false);
    }

    public async ValueTask<long> FileSizeAsync(string path, CancellationToken ct)
    {
        await InjectAsync("stat", path, write: false, ct).ConfigureAwait(false);
        return await _inner.FileSizeAsync(path, ct).ConfigureAwait(false);
    }

    public async ValueTask<DateTimeOffset?> FileTimeAsync(string path, CancellationToken ct)
    {
        await InjectAsync("stat", path, write: false, ct).ConfigureAwait(false);
        return await _inner.FileTimeAsync(path, ct).ConfigureAwait(false);
    }

    public async ValueTask<Stream> ReadAsync(string path, CancellationToken ct)
    {
        await InjectAsync("read", path, write: false, ct).ConfigureAwait(false);
        return await _inner.ReadAsync(path, ct).ConfigureAwait(false);
    }

    public async ValueTask WriteAsync(string path, ReadOnlyMemory<byte> data, CancellationToken ct)
    {
        await InjectAsync("write", path, write: true, ct).ConfigureAwait(false);
        await _inner.WriteAsync(path, data, ct).ConfigureAwait(false);
    }

    public async ValueTask<IReadOnlyList<string>> ListAsync(string path, CancellationToken ct)
    {
        await InjectAsync("list", path, write: false, ct).ConfigureAwait(false);
        return await _inner.ListAsync(path, ct).ConfigureAwait(false);
    }

    public async ValueTask RemoveAsync(string path, CancellationToken ct)
    {
        await InjectAsync("remove", path, write: false, ct).ConfigureAwait(false);
        await _inner.RemoveAsync(path, ct).ConfigureAwait(false);
    }

    public async ValueTask UploadAsync(string localPath, string path, CancellationToken ct)
    {
        await InjectAsync("upload", path, write: true, ct).ConfigureAwait(false);
        await _inner.UploadAsync(localPath, path, ct).ConfigureAwait(false);
    }

    public async ValueTask DownloadAsync(string path, string localPath, CancellationToken ct)
    {
        await InjectAsync("read", path, write: false, ct).ConfigureAwait(false);
        await _inner.DownloadAsync(path, localPath, ct).ConfigureAwait(false);
    }

    private async ValueTask InjectAsync(string verb, string path, bool write, CancellationToken ct)
    {
        var state = _state;
        var faults = state.Faults;
        if (faults.LatencyMs > 0) await Task.Delay(TimeSpan.FromMilliseconds(faults.LatencyMs), _time, ct).ConfigureAwait(false);
        if (faults.IoErrorRate + faults.NoSpaceRate <= 0) return;
        var roll = state.Dice.Roll();
        if (roll < faults.IoErrorRate) throw Failure(verb, path, new IOException("Input/output error", Eio));
        if (write && roll < faults.IoErrorRate + faults.NoSpaceRate) throw Failure(verb, path, new IOException("No space left on device", Enospc));
    }

    private BackupStoreException Failure(string verb, string path, IOException e) =>
        new($"cannot {verb} {path} in backupstore {Url}: {e.Message}", e);

    private sealed class State(NfsFaults faults)
    {
        public NfsFaults Faults { get; } = faults;
        public FaultDice Dice { get; } = new(faults.Seed);
    }
}
