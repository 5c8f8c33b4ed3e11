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
public sealed class BackupRemoval(IResourceStore store, BackupStoreFactory stores, BackupVolumeSync backupVolumes, SnapshotService snapshots,
    LonghornSettings settings, WorkQueue work, ILogger<BackupRemoval> logger) : IWorkHandler
{
    public WorkKind Kind => WorkKind.DeleteBackup;

    public async Task RunAsync(string name, CancellationToken cancellationToken)
    {
        var backup = await store.GetAsync<Backup>(name, cancellationToken).ConfigureAwait(false);
        if (backup is null || !backup.IsDeleting) return;
        if (work.IsActive(WorkKind.CreateBackup, name))
        {
            work.EnqueueAfter(WorkKind.CreateBackup, name, WorkKind.DeleteBackup, name);
            return;
        }
        var volumeName = backup.Metadata.Labels.GetValueOrDefault(LonghornLabels.BackupVolume, backup.Status.VolumeName);
        var targetName = backup.Metadata.Labels.GetValueOrDefault(LonghornLabels.BackupTarget, backup.Status.BackupTargetName);
        var target = await store.GetAsync<BackupTarget>(targetName, cancellationToken).ConfigureAwait(false);
        var backupVolume = await store.GetAsync<BackupVolume>(ResourceNames.BackupVolume(volumeName, targetName), cancellationToken).ConfigureAwait(false);
        var remote = !backup.Metadata.Labels.ContainsKey(LonghornLabels.DeleteCustomResourceOnly)
                     && target is { IsDeleting: false, Spec.BackupTargetURL.Length: > 0, Status.Available: true }
                     && backupVolume is { IsDeleting: false };
        BackupStore? backupStore = null;
        if (remote)
        {
            if (backup.Status.State != BackupStates.Deleting)
            {
                await store.MutateAsync<Backup>(name, b => b with
                {
                    Status = b.Status with { State = BackupStates.Deleting, Messages = new Dictionary<string, string>() },
                }, cancellationToken).ConfigureAwait(false);
            }
            try
            {
                backupStore = await stores.OpenAsync(target!, cancellationToken).ConfigureAwait(false);
                await backupStore.DeleteBackupAsync(volumeName, name, cancellationToken).ConfigureAwait(false);
            }
            catch (BackupStoreNotFoundException)
            {
            }
            catch (Exception e) when (ExpectedFailure.Is(e))
            {
                var message = $"Failed to delete the backup {name} in the backupstore, err {e.Message}";
                logger.LogWarning("Deleting backup {Backup} of volume {Volume} failed, will retry: {Reason}", name, volumeName, e.Message);
                await store.MutateAsync<Backup>(name, b => b with
                {
                    Status = b.Status with { State = BackupStates.Error, Messages = new Dictionary<string, string> { ["error"] = message } },
                }, CancellationToken.None).ConfigureAwait(false);
                return;
            }
        }
        await store.RemoveFinalizerAsync<Backup>(name, LonghornLabels.Finalizer, CancellationToken.None).ConfigureAwait(false);
        logger.LogInformation("Deleted backup {Backup} of volume {Volume}{Where}", name, volumeName, remote ? " from the store" : " (resource only)");

        if (remote && backupStore is not null && backupVolume!.Status.LastBackupName == name)
            await backupVolumes.SyncAsync(target!, backupStore, volumeName, CancellationToken.None).ConfigureAwait(false);
        if (backup.IsLocal && await settings.GetBoolAsync(SettingDefinitions.AutoCleanupWhenDeleteBackup, CancellationToken.None).ConfigureAwait(false))
        {
            try
            {
                await snapshots.DeleteAsync(volumeName, backup.Spec.SnapshotName, CancellationToken.None).ConfigureAwait(false);
            }
            catch (Exception e) when (ExpectedFailure.Is(e))
            {
                logger.LogInformation("Keeping snapshot {Snapshot} of deleted backup {Backup}: {Reason}", backup.Spec.SnapshotName, name, e.Message);
            }
        }
        var pending = await store.ListAsync<Backup>(LabelSelector.Of((LonghornLabels.BackupTarget, targetName), (LonghornLabels.BackupVolume, volumeName)),
            CancellationToken.None).ConfigureAwait(false);
        foreach (var waiting in pending.Where(b => b.Status.State == BackupStates.Pending && !b.IsDeleting))
            work.Enqueue(WorkKind.CreateBackup, waiting.Name);
    }
}
