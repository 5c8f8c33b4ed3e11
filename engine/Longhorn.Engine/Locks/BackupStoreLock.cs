using Longhorn.Engine.Format;
using Longhorn.Engine.Store;
using Microsoft.Extensions.Logging;

namespace Longhorn.Engine.Locks;

/// <summary>
/// A lock file on a backup volume (lock.go): written, left to settle, checked against the other live locks by
/// Longhorn's priority order, then marked acquired and refreshed until disposed. Conflicts fail at once.
/// </summary>
internal sealed class BackupStoreLock : IAsyncDisposable
{
    private readonly IBackupStoreDriver _driver;
    private readonly ILogger _logger;
    private readonly string _path;
    private readonly IStoreFileJournal? _journal;
    private readonly SemaphoreSlim _writes = new(1, 1);
    private ITimer? _refresh;
    private bool _released;

    private BackupStoreLock(IBackupStoreDriver driver, string volumeName, LockFile file, IStoreFileJournal? journal, ILogger logger)
    {
        _driver = driver;
        _journal = journal;
        _logger = logger;
        VolumeName = volumeName;
        File = file;
        _path = StorePaths.Lock(volumeName, file.Name);
    }

    public string VolumeName { get; }

    public LockFile File { get; private set; }

    /// <summary>Takes a lock of the given type on the backup volume or throws <see cref="BackupStoreLockException"/>.</summary>
    public static async Task<BackupStoreLock> AcquireAsync(IBackupStoreDriver driver, string volumeName, LockType type,
        LockOptions options, TimeProvider time, ILogger logger, CancellationToken cancellationToken)
    {
        var held = await WriteNewAsync(driver, volumeName, type, options, logger, cancellationToken).ConfigureAwait(false);
        await held.ConfirmAsync(options, time, cancellationToken).ConfigureAwait(false);
        return held;
    }

    /// <summary>
    /// Writes a new, not yet acquired lock file: the first half of <see cref="AcquireAsync"/>, for a writer that works
    /// while the lock settles and then calls <see cref="ConfirmAsync"/>. Until that returns, the caller holds nothing.
    /// </summary>
    public static async Task<BackupStoreLock> WriteNewAsync(IBackupStoreDriver driver, string volumeName, LockType type,
        LockOptions options, ILogger logger, CancellationToken cancellationToken)
    {
        var held = new BackupStoreLock(driver, volumeName, new LockFile(Names.Generate("lock"), type, false), options.FileJournal, logger);
        // Recorded before the first write: a writer killed from here on finds its lock in the journal at its next start.
        options.FileJournal?.Writing(driver.Url, held._path);
        await held.WriteAsync(cancellationToken).ConfigureAwait(false);
        return held;
    }

    /// <summary>
    /// Waits out the settle time, checks the other live locks by Longhorn's priority order, then marks this lock
    /// acquired and refreshes it until disposed; on a conflict (or cancellation) removes the lock file and throws.
    /// </summary>
    public async Task ConfirmAsync(LockOptions options, TimeProvider time, CancellationToken cancellationToken)
    {
        try
        {
            await Task.Delay(options.SettleTime, time, cancellationToken).ConfigureAwait(false);
            var mine = await LoadOwnAsync(cancellationToken).ConfigureAwait(false);
            foreach (var other in await LoadLocksAsync(_driver, VolumeName, _logger, cancellationToken).ConfigureAwait(false))
            {
                if (other.File.Name == File.Name || other.File.Type == File.Type) continue;
                if (time.GetUtcNow() - other.ServerTime > options.Duration) continue;
                if (Compare(other, mine) < 0)
                {
                    var operation = File.Type == LockType.Deletion ? "delete" : "create/restore";
                    _logger.LogInformation("Lock {Holder} (type {HolderType}) on volume {Volume} blocks {Lock}",
                        other.File.Name, (int)other.File.Type, VolumeName, File.Name);
                    throw new BackupStoreLockException(
                        $"failed to acquire lock {_path} when performing backup {operation}, please try again later");
                }
            }
            File = File with { Acquired = true };
            await WriteAsync(cancellationToken).ConfigureAwait(false);
            _refresh = time.CreateTimer(static state => ((BackupStoreLock)state!).Refresh(), this,
                options.RefreshInterval, options.RefreshInterval);
        }
        catch
        {
            await RemoveFileAsync().ConfigureAwait(false);
            throw;
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_released) return;
        _released = true;
        if (_refresh is not null) await _refresh.DisposeAsync().ConfigureAwait(false);
        await RemoveFileAsync().ConfigureAwait(false);
    }

    /// <summary>Live locks of a volume with their store modification time; unreadable lock files are skipped.</summary>
    public static async Task<IReadOnlyList<(LockFile File, DateTimeOffset ServerTime)>> LoadLocksAsync(
        IBackupStoreDriver driver, string volumeName, ILogger logger, CancellationToken cancellationToken)
    {
        var locks = new List<(LockFile, DateTimeOffset)>();
        var files = await driver.ListAsync(StorePaths.LocksDirectory(volumeName), cancellationToken).ConfigureAwait(false);
        foreach (var name in StorePaths.ExtractNames(files, "", StorePaths.LockSuffix))
        {
            var path = StorePaths.Lock(volumeName, name);
            try
            {
                var mtime = await driver.FileTimeAsync(path, cancellationToken).ConfigureAwait(false);
                if (mtime is null) continue;
                await using var stream = await driver.ReadAsync(path, cancellationToken).ConfigureAwait(false);
                using var buffer = new MemoryStream();
                await stream.CopyToAsync(buffer, cancellationToken).ConfigureAwait(false);
                locks.Add((LockFile.FromJson(buffer.GetBuffer().AsSpan(0, (int)buffer.Length)), mtime.Value));
            }
            catch (Exception e) when (e is BackupStoreException or FormatException)
            {
                logger.LogWarning("Skipping unreadable lock {LockFile} of volume {Volume}: {Reason}", path, volumeName, e.Message);
            }
        }
        return locks;
    }

    /// <summary>Longhorn's compareLocks: acquired before not acquired, then older, then by name.</summary>
    private static int Compare((LockFile File, DateTimeOffset ServerTime) a, (LockFile File, DateTimeOffset ServerTime) b)
    {
        if (a.File.Acquired != b.File.Acquired) return a.File.Acquired ? -1 : 1;
        if (a.ServerTime != b.ServerTime) return a.ServerTime < b.ServerTime ? -1 : 1;
        return string.CompareOrdinal(a.File.Name, b.File.Name);
    }

    private async Task<(LockFile File, DateTimeOffset ServerTime)> LoadOwnAsync(CancellationToken cancellationToken)
    {
        var mtime = await _driver.FileTimeAsync(_path, cancellationToken).ConfigureAwait(false)
                    ?? throw new BackupStoreLockException($"lock file {_path} vanished before it was acquired");
        return (File, mtime);
    }

    private async Task WriteAsync(CancellationToken cancellationToken)
    {
        await _writes.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            await _driver.WriteAsync(_path, File.ToJson(), cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            _writes.Release();
        }
    }

    private async void Refresh()
    {
        try
        {
            await _writes.WaitAsync().ConfigureAwait(false);
            try
            {
                // Checked under the write gate so a refresh can never recreate a released lock's file.
                if (!_released) await _driver.WriteAsync(_path, File.ToJson(), CancellationToken.None).ConfigureAwait(false);
            }
            finally
            {
                _writes.Release();
            }
        }
        catch (Exception e)
        {
            // A missed refresh only shortens the lock's life; the next tick tries again.
            _logger.LogWarning("Failed to refresh lock {LockFile}: {Reason}", _path, e.Message);
        }
    }

    private async Task RemoveFileAsync()
    {
        try
        {
            await _writes.WaitAsync().ConfigureAwait(false);
            try
            {
                await _driver.RemoveAsync(_path, CancellationToken.None).ConfigureAwait(false);
                _journal?.Gone(_driver.Url, _path);
            }
            finally
            {
                _writes.Release();
            }
        }
        catch (Exception e) when (e is BackupStoreException or IOException)
        {
            // An unreleased lock expires by itself after the lock duration.
            _logger.LogWarning("Failed to remove lock {LockFile}: {Reason}", _path, e.Message);
        }
    }
}
