using Longhorn.Engine;
using Longhorn.Engine.Backups;
using Longhorn.Engine.Blocks;
using Longhorn.Functions.ControlPlane.Settings;
using Longhorn.Functions.ControlPlane.Targets;
using Longhorn.Functions.ControlPlane.Volumes;
using Longhorn.Functions.ControlPlane.Work;
using Longhorn.Functions.Resources;

namespace Longhorn.Functions.ControlPlane.Backups;

/// <summary>
/// The backup worker: waits in Pending while another backup of the volume is Deleting or every backup and restore
/// slot of the host is taken (<see cref="TransferSlots"/>), then runs the engine's
/// backup of the snapshot with progress on the resource, and ends Completed (status from the store) or Error.
/// </summary>
public sealed class BackupCreation(IResourceStore store, ReplicaRegistry replicas, BackupStoreFactory stores, BackupVolumeSync backupVolumes,
    SnapshotService snapshots, LonghornSettings settings, TransferSlots slots, HostIdentity host, TimeProvider time, ILogger<BackupCreation> logger)
    : IWorkHandler
{
    public WorkKind Kind => WorkKind.CreateBackup;

    public async Task RunAsync(string name, CancellationToken cancellationToken)
    {
        var backup = await store.GetAsync<Backup>(name, cancellationToken).ConfigureAwait(false);
        if (backup is null || backup.IsDeleting || backup.Status.State is not (BackupStates.New or BackupStates.Pending)) return;
        var volumeName = backup.Status.VolumeName;
        var targetName = backup.Status.BackupTargetName;

        var siblings = await store.ListAsync<Backup>(LabelSelector.Of((LonghornLabels.BackupTarget, targetName), (LonghornLabels.BackupVolume, volumeName)),
            cancellationToken).ConfigureAwait(false);
        if (siblings.FirstOrDefault(b => b.Status.State == BackupStates.Deleting) is { } deleting)
        {
            await SetAsync(name, s => s with
            {
                State = BackupStates.Pending,
                Messages = new Dictionary<string, string> { [BackupMessages.Info] = $"Wait for backup {deleting.Name} to be deleted" },
            }).ConfigureAwait(false);
            return;
        }

        var volume = await store.GetAsync<Volume>(volumeName, cancellationToken).ConfigureAwait(false);
        if (volume is null || volume.IsDeleting)
        {
            await FailAsync(name, $"cannot find the corresponding volume {volumeName}").ConfigureAwait(false);
            return;
        }
        var (slot, waitReason) = await slots.TryEnterAsync(Kind, name, cancellationToken).ConfigureAwait(false);
        if (slot is null)
        {
            await SetAsync(name, s => s with
            {
                State = BackupStates.Pending, Messages = new Dictionary<string, string> { [BackupMessages.Info] = waitReason },
            }).ConfigureAwait(false);
            return;
        }
        using var transfer = slot;
        await SetAsync(name, s => s with
        {
            OwnerID = host.InstanceId, State = BackupStates.InProgress, Progress = 0, Messages = new Dictionary<string, string>(), Error = "",
        }).ConfigureAwait(false);

        var progress = new ProgressRecorder(p => SetAsync(name, s => s.State == BackupStates.InProgress && p > s.Progress ? s with { Progress = p } : null));
        try
        {
            var target = await store.GetRequiredAsync<BackupTarget>(targetName, cancellationToken).ConfigureAwait(false);
            var backupStore = await stores.OpenAsync(target, cancellationToken).ConfigureAwait(false);
            var request = new BackupRequest
            {
                VolumeName = volumeName,
                SnapshotName = backup.Spec.SnapshotName,
                BackupName = name,
                Compression = CompressionMethods.Parse(volume.Spec.BackupCompressionMethod, $"volume {volumeName}"),
                BlockSize = long.Parse(backup.Spec.BackupBlockSize, System.Globalization.CultureInfo.InvariantCulture),
                FullBackup = backup.Spec.BackupMode == BackupModes.Full,
                Labels = backup.Spec.Labels,
                StorageClassName = volume.Spec.StorageClassName,
            };
            var result = await backupStore.CreateBackupAsync(request, replicas.Get(volumeName), progress, cancellationToken).ConfigureAwait(false);
            // The Completed write below carries progress 100: the recorder's own write of it would only cost a transaction.
            await progress.StopAsync().ConfigureAwait(false);
            var info = result.Info;
            // The backup volume shows the new backup before the backup shows Completed, so readers never see them disagree;
            // the Completed write also makes the backup volume the backup's owner (one write, not two).
            var owner = await RecordOnBackupVolumeAsync(target, volumeName, result, CancellationToken.None).ConfigureAwait(false);
            var now = time.GetUtcNow();
            await store.MutateAsync<Backup>(name, b => b.Status.State == BackupStates.Deleting
                ? null
                : (owner is null || b.Metadata.OwnerReferences.Count > 0 ? b : b.WithMetadata(b.Metadata with { OwnerReferences = [owner] })) with
                {
                    Status = BackupStatuses.FromStore(info, targetName, host.InstanceId, now, b.Status),
                }, CancellationToken.None).ConfigureAwait(false);
            logger.LogInformation("Backup {Backup} of volume {Volume} completed: {Url}", name, volumeName, result.Url);
            await CleanupSnapshotAsync(backup, CancellationToken.None).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            await progress.DrainAsync().ConfigureAwait(false);
            var current = await store.GetAsync<Backup>(name, CancellationToken.None).ConfigureAwait(false);
            if (current is not null && !current.IsDeleting)
                await FailAsync(name, "the backup was cancelled: the host stopped before it finished; back up again").ConfigureAwait(false);
            throw;
        }
        catch (Exception e) when (ExpectedFailure.Is(e))
        {
            await progress.DrainAsync().ConfigureAwait(false);
            logger.LogWarning("Backup {Backup} of volume {Volume} failed: {Reason}", name, volumeName, e.Message);
            await FailAsync(name, e.Message).ConfigureAwait(false);
        }
        catch (Exception e)
        {
            // A bug: the backup must not look like a routine failure, and the worker pool logs the stack.
            // Not drained first: late progress writes only apply while InProgress, and a faulted recorder must not hide this error.
            await FailAsync(name, $"internal error: {e.GetType().Name}: {e.Message}; the host log has the stack", internalError: true).ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>Shows the completed backup on its BackupVolume (created when missing); that volume's owner reference, or null when it failed.</summary>
    private async Task<OwnerReference?> RecordOnBackupVolumeAsync(BackupTarget target, string volumeName, BackupResult result,
        CancellationToken cancellationToken)
    {
        try
        {
            await backupVolumes.RecordBackupAsync(target, result.Volume, cancellationToken).ConfigureAwait(false);
            return new OwnerReference(Resource.LonghornApiVersion, BackupVolume.KindName, ResourceNames.BackupVolume(volumeName, target.Name), "");
        }
        catch (Exception e) when (ExpectedFailure.Is(e))
        {
            logger.LogWarning("Recording backup {Backup} of volume {Volume} on its backup volume failed: {Reason}", result.BackupName, volumeName, e.Message);
            return null;
        }
    }

    /// <summary>auto-cleanup-snapshot-after-on-demand-backup-completed: an on-demand backup's snapshot goes once it is backed up.</summary>
    private async Task CleanupSnapshotAsync(Backup backup, CancellationToken cancellationToken)
    {
        if (backup.Spec.Labels.ContainsKey(LonghornLabels.RecurringJob)
            || !await settings.GetBoolAsync(SettingDefinitions.AutoCleanupSnapshotAfterOnDemandBackup, cancellationToken).ConfigureAwait(false))
            return;
        try
        {
            await snapshots.DeleteAsync(backup.Status.VolumeName, backup.Spec.SnapshotName, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (ExpectedFailure.Is(e))
        {
            logger.LogWarning("Keeping snapshot {Snapshot} of backup {Backup}: {Reason}", backup.Spec.SnapshotName, backup.Name, e.Message);
        }
    }

    private Task FailAsync(string name, string message, bool internalError = false) => SetAsync(name, s => s with
    {
        State = BackupStates.Error,
        Error = message,
        Messages = internalError
            ? new Dictionary<string, string> { [BackupMessages.Error] = message, [BackupMessages.InternalError] = message }
            : new Dictionary<string, string> { [BackupMessages.Error] = message },
        LastSyncedAt = time.GetUtcNow(),
    });

    /// <summary>Changes the status unless the backup is being deleted (Deleting wins over anything the worker reports).</summary>
    private Task<Backup?> SetAsync(string name, Func<BackupStatus, BackupStatus?> change) =>
        store.MutateAsync<Backup>(name, b => b.Status.State == BackupStates.Deleting
            ? null
            : change(b.Status) is { } status ? b with { Status = status } : null, CancellationToken.None);
}
