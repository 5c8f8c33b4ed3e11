using Longhorn.Functions.Resources;

namespace Longhorn.Functions.ControlPlane.Work;

/// <summary>
/// Finds work whose worker is gone (the host crashed or restarted, or an item was lost) and resumes it or fails it
/// with a message, so that nothing stays Pending, InProgress or Deleting forever.
/// </summary>
public sealed class WorkReconciler(IResourceStore store, WorkQueue work, HostIdentity host, TimeProvider time, ILogger<WorkReconciler> logger)
{
    public async Task ReconcileAsync(CancellationToken cancellationToken)
    {
        foreach (var backup in await store.ListAsync<Backup>(null, cancellationToken).ConfigureAwait(false))
        {
            if (backup.IsDeleting)
            {
                if (!work.IsActive(WorkKind.DeleteBackup, backup.Name)) work.Enqueue(WorkKind.DeleteBackup, backup.Name);
                continue;
            }
            if (work.IsActive(WorkKind.CreateBackup, backup.Name)) continue;
            if (backup.Status.State is BackupStates.New or BackupStates.Pending && backup.IsLocal)
            {
                logger.LogInformation("Resuming backup {Backup} ({State}, owner {Owner})", backup.Name, backup.Status.State, backup.Status.OwnerID);
                await store.MutateAsync<Backup>(backup.Name, b => b with { Status = b.Status with { OwnerID = host.InstanceId } }, cancellationToken)
                    .ConfigureAwait(false);
                work.Enqueue(WorkKind.CreateBackup, backup.Name);
            }
            // A pulled backup shown InProgress is another writer's: no worker of this control plane runs it.
            else if (backup.Status.State == BackupStates.InProgress && backup.IsLocal)
            {
                var message = backup.Status.OwnerID == host.InstanceId
                    ? "the backup's worker stopped before it finished; back up again"
                    : $"the backup was interrupted: host {backup.Status.OwnerID} that ran it stopped before it finished; back up again";
                logger.LogWarning("Backup {Backup} has no worker: {Reason}", backup.Name, message);
                await store.MutateAsync<Backup>(backup.Name, b => b.Status.State != BackupStates.InProgress ? null : b with
                {
                    Status = b.Status with
                    {
                        State = BackupStates.Error, Error = message, Messages = new Dictionary<string, string> { [BackupMessages.Error] = message },
                        LastSyncedAt = time.GetUtcNow(),
                    },
                }, cancellationToken).ConfigureAwait(false);
            }
        }

        foreach (var volume in await store.ListAsync<Volume>(null, cancellationToken).ConfigureAwait(false))
        {
            if (volume.IsDeleting || !volume.Status.RestoreRequired || work.IsActive(WorkKind.Restore, volume.Name)) continue;
            if (volume.Status.RestoreStatus is { State: "pending" or "in_progress" })
            {
                logger.LogInformation("Resuming the restore of volume {Volume}", volume.Name);
                work.Enqueue(WorkKind.Restore, volume.Name);
            }
            else if (volume.Spec.Standby)
            {
                // A standby volume that has caught up is only looked at for new backups: nothing worth a line every pass.
                logger.LogDebug("Checking standby volume {Volume} for new backups", volume.Name);
                work.Enqueue(WorkKind.Restore, volume.Name);
            }
        }

        foreach (var backupVolume in await store.ListAsync<BackupVolume>(null, cancellationToken).ConfigureAwait(false))
        {
            if (backupVolume.IsDeleting && !work.IsActive(WorkKind.DeleteBackupVolume, backupVolume.Name))
                work.Enqueue(WorkKind.DeleteBackupVolume, backupVolume.Name);
        }

        foreach (var target in await store.ListAsync<BackupTarget>(null, cancellationToken).ConfigureAwait(false))
        {
            if (target.Spec.SyncRequestedAt is { } asked && (target.Status.LastSyncedAt is not { } synced || asked > synced) && target.Status.Available)
                work.Enqueue(WorkKind.SyncBackupTarget, target.Name);
        }

        // System backups resume their stored state (each step can run again); restores start over from the download.
        foreach (var systemBackup in await store.ListAsync<SystemBackup>(null, cancellationToken).ConfigureAwait(false))
        {
            if ((systemBackup.IsDeleting || !SystemBackupStates.IsFinal(systemBackup.Status.State)) && !work.IsActive(WorkKind.SystemBackup, systemBackup.Name))
                work.Enqueue(WorkKind.SystemBackup, systemBackup.Name);
        }
        foreach (var restore in await store.ListAsync<SystemRestore>(null, cancellationToken).ConfigureAwait(false))
        {
            if (restore.Status.State is not (SystemRestoreStates.Completed or SystemRestoreStates.Error) && !restore.IsDeleting
                && !work.IsActive(WorkKind.SystemRestore, restore.Name))
                work.Enqueue(WorkKind.SystemRestore, restore.Name);
        }
    }
}
