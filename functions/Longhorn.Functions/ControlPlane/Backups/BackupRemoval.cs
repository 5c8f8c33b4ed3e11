using Longhorn.Engine;
using Longhorn.Functions.ControlPlane.Settings;
using Longhorn.Functions.ControlPlane.Targets;
using Longhorn.Functions.ControlPlane.Volumes;
using Longhorn.Functions.ControlPlane.Work;
using Longhorn.Functions.Resources;

namespace Longhorn.Functions.ControlPlane.Backups;

/// <summary>
/// Deletes backups asynchronously (Longhorn's deletion branch): the resource shows Deleting while the store delete
/// runs, and goes when it has finished; a failure leaves it in Error with the message, retried by the reconciler.
/// Pending backups of the same volume, which waited for this deletion, are woken afterwards.
/// </summary>
public sealed class BackupRemoval : IWorkHandler
{
    private readonly IResourceStore _store;
    private readonly BackupStoreFactory _stores;
    private readonly BackupVolumeSync _backupVolumes;
    private readonly SnapshotService _snapshots;
    private readonly LonghornSettings _settings;
    private readonly WorkQueue _work;
    private readonly ILogger<BackupRemoval> _logger;

    public BackupRemoval(IResourceStore store, BackupStoreFactory stores, BackupVolumeSync backupVolumes, SnapshotService snapshots,
        LonghornSettings settings, WorkQueue work, ILogger<BackupRemoval> logger)
    {
        _store = store;
        _stores = stores;
        _backupVolumes = backupVolumes;
        _snapshots = snapshots;
        _settings = settings;
        _work = work;
        _logger = logger;
    }

    public WorkKind Kind => WorkKind.DeleteBackup;

    /// <summary>Marks the backup deleting (state Deleting), stops its backup worker, and queues the store delete.</summary>
    public static async Task<Backup?> RequestAsync(IResourceStore store, WorkQueue work, string name, CancellationToken cancellationToken)
    {
        work.Cancel(WorkKind.CreateBackup, name);
        var deleting = await store.DeleteAsync<Backup>(name, cancellationToken).ConfigureAwait(false);
        if (deleting is null) return null;
        var marked = await store.MutateAsync<Backup>(name, b => b with
        {
            Status = b.Status with { State = BackupStates.Deleting, Messages = new Dictionary<string, string>() },
        }, cancellationToken).ConfigureAwait(false);
        work.EnqueueAfter(WorkKind.CreateBackup, name, WorkKind.DeleteBackup, name);
        return marked;
    }

    public async Task RunAsync(string name, CancellationToken cancellationToken)
    {
        var backup = await _store.GetAsync<Backup>(name, cancellationToken).ConfigureAwait(false);
        if (backup is null || !backup.IsDeleting) return;
        if (_work.IsActive(WorkKind.CreateBackup, name))
        {
            _work.EnqueueAfter(WorkKind.CreateBackup, name, WorkKind.DeleteBackup, name);
            return;
        }
        var volumeName = backup.Metadata.Labels.GetValueOrDefault(LonghornLabels.BackupVolume, backup.Status.VolumeName);
        var targetName = backup.Metadata.Labels.GetValueOrDefault(LonghornLabels.BackupTarget, backup.Status.BackupTargetName);
        var target = await _store.GetAsync<BackupTarget>(targetName, cancellationToken).ConfigureAwait(false);
        var backupVolume = await _store.GetAsync<BackupVolume>(ResourceNames.BackupVolume(volumeName, targetName), cancellationToken).ConfigureAwait(false);
        var remote = !backup.Metadata.Labels.ContainsKey(LonghornLabels.DeleteCustomResourceOnly)
                     && target is { IsDeleting: false, Spec.BackupTargetURL.Length: > 0, Status.Available: true }
                     && backupVolume is { IsDeleting: false };
        BackupStore? backupStore = null;
        if (remote)
        {
            if (backup.Status.State != BackupStates.Deleting)
            {
                await _store.MutateAsync<Backup>(name, b => b with
                {
                    Status = b.Status with { State = BackupStates.Deleting, Messages = new Dictionary<string, string>() },
                }, cancellationToken).ConfigureAwait(false);
            }
            try
            {
                backupStore = await _stores.OpenAsync(target!, cancellationToken).ConfigureAwait(false);
                await backupStore.DeleteBackupAsync(volumeName, name, cancellationToken).ConfigureAwait(false);
            }
            catch (BackupStoreNotFoundException)
            {
            }
            catch (Exception e) when (e is BackupStoreException or ControlPlaneException or IOException)
            {
                var message = $"Failed to delete the backup {name} in the backupstore, err {e.Message}";
                _logger.LogWarning("Deleting backup {Backup} of volume {Volume} failed, will retry: {Reason}", name, volumeName, e.Message);
                await _store.MutateAsync<Backup>(name, b => b with
                {
                    Status = b.Status with { State = BackupStates.Error, Messages = new Dictionary<string, string> { ["error"] = message } },
                }, CancellationToken.None).ConfigureAwait(false);
                return;
            }
        }
        await _store.RemoveFinalizerAsync<Backup>(name, LonghornLabels.Finalizer, CancellationToken.None).ConfigureAwait(false);
        _logger.LogInformation("Deleted backup {Backup} of volume {Volume}{Where}", name, volumeName, remote ? " from the store" : " (resource only)");

        if (remote && backupStore is not null && backupVolume!.Status.LastBackupName == name)
            await _backupVolumes.SyncAsync(target!, backupStore, volumeName, CancellationToken.None).ConfigureAwait(false);
        if (backup.IsLocal && await _settings.GetBoolAsync(SettingDefinitions.AutoCleanupWhenDeleteBackup, CancellationToken.None).ConfigureAwait(false))
        {
            try
            {
                await _snapshots.DeleteAsync(volumeName, backup.Spec.SnapshotName, CancellationToken.None).ConfigureAwait(false);
            }
            catch (ControlPlaneException e)
            {
                _logger.LogInformation("Keeping snapshot {Snapshot} of deleted backup {Backup}: {Reason}", backup.Spec.SnapshotName, name, e.Message);
            }
        }
        var pending = await _store.ListAsync<Backup>(LabelSelector.Of((LonghornLabels.BackupTarget, targetName), (LonghornLabels.BackupVolume, volumeName)),
            CancellationToken.None).ConfigureAwait(false);
        foreach (var waiting in pending.Where(b => b.Status.State == BackupStates.Pending && !b.IsDeleting))
            _work.Enqueue(WorkKind.CreateBackup, waiting.Name);
    }
}
