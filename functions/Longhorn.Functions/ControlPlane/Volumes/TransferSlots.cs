using Longhorn.Functions.ControlPlane.Settings;
using Longhorn.Functions.ControlPlane.Work;

namespace Longhorn.Functions.ControlPlane.Volumes;

/// <summary>
/// Longhorn's <c>concurrent-backup-restore-per-node-limit</c> ("Concurrent Volume Backup Restore Per Node Limit") for
/// this host: at most that many backups and restores move data at once. Work that finds no slot does not hold a worker:
/// it is remembered and queued again when a running transfer ends. 0 holds every restore, as in Longhorn, and does not
/// limit backups.
/// </summary>
public sealed class TransferSlots(LonghornSettings settings, WorkQueue queue)
{
    private readonly object _gate = new();
    private readonly HashSet<WorkItem> _waiting = [];
    private int _running;

    /// <summary>The transfers running now.</summary>
    public int Running
    {
        get
        {
            lock (_gate) return _running;
        }
    }

    /// <summary>
    /// A slot for the item, released by disposing it; or null, with the reason to show, when the limit is reached
    /// (the item runs again once a slot frees).
    /// </summary>
    public async Task<(IDisposable? Slot, string Reason)> TryEnterAsync(WorkKind kind, string name, CancellationToken cancellationToken)
    {
        var limit = await settings.GetIntAsync(SettingDefinitions.ConcurrentBackupRestorePerNodeLimit, cancellationToken).ConfigureAwait(false);
        lock (_gate)
        {
            if (limit == 0 && kind == WorkKind.CreateBackup || _running < limit)
            {
                _running++;
                return (new Slot(this), "");
            }
            _waiting.Add(new WorkItem(kind, name));
            return (null, limit == 0
                ? $"restores are held: setting {SettingDefinitions.ConcurrentBackupRestorePerNodeLimit} is 0"
                : $"waiting for one of the {limit} backup and restore slots of this host " +
                  $"(setting {SettingDefinitions.ConcurrentBackupRestorePerNodeLimit})");
        }
    }

    private void Release()
    {
        List<WorkItem> woken;
        lock (_gate)
        {
            _running--;
            woken = [.. _waiting];
            _waiting.Clear();
        }
        // Every waiter tries again; those that find the slots taken wait for the next release.
        foreach (var item in woken) queue.Enqueue(item.Kind, item.Name);
    }

    private sealed class Slot(TransferSlots owner) : IDisposable
    {
        private int _released;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _released, 1) == 0) owner.Release();
        }
    }
}
