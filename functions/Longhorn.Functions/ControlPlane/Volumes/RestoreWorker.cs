using Longhorn.Engine;
using Longhorn.Engine.Format;
using Longhorn.Functions.ControlPlane.Targets;
using Longhorn.Functions.ControlPlane.Work;
using Longhorn.Functions.Resources;

namespace Longhorn.Functions.ControlPlane.Volumes;

/// <summary>
/// Restores a volume's replica from the store: a full restore of <c>fromBackup</c> first, then, for a standby (DR)
/// volume, incremental restores up to its BackupVolume's last backup. State and progress go to the volume's status.
/// </summary>
public sealed class RestoreWorker(IResourceStore store, ReplicaRegistry replicas, BackupStoreFactory stores, WorkQueue work, TransferSlots slots,
    ILogger<RestoreWorker> logger)
    : IWorkHandler
{
    public WorkKind Kind => WorkKind.Restore;

    public async Task RunAsync(string name, CancellationToken cancellationToken)
    {
        var volume = await store.GetAsync<Volume>(name, cancellationToken).ConfigureAwait(false);
        if (volume is null || volume.IsDeleting || !volume.Status.RestoreRequired) return;
        var last = volume.Status.RestoreStatus?.LastRestored ?? "";
        var (_, backupVolumeName, firstBackup) = BackupUrl.Decode(volume.Spec.FromBackup);
        var next = firstBackup;
        if (last.Length > 0)
        {
            if (!volume.Spec.Standby) return;
            var followed = await store.GetAsync<BackupVolume>(ResourceNames.BackupVolume(backupVolumeName, volume.Spec.BackupTargetName), cancellationToken)
                .ConfigureAwait(false);
            next = followed?.Status.LastBackupName ?? "";
            if (next.Length == 0 || next == last)
            {
                if (volume.Status.ActivationRequested) await ActivateAsync(name, last).ConfigureAwait(false);
                return;
            }
        }

        var (slot, waitReason) = await slots.TryEnterAsync(Kind, name, cancellationToken).ConfigureAwait(false);
        if (slot is null)
        {
            logger.LogInformation("Restore of volume {Volume} waits: {Reason}", name, waitReason);
            await UpdateAsync(name, r => r with { State = "pending", Error = "" }, cancellationToken).ConfigureAwait(false);
            return;
        }
        using var transfer = slot;
        var url = BackupUrl.Encode(BackupUrl.Decode(volume.Spec.FromBackup).TargetUrl, backupVolumeName, next);
        await UpdateAsync(name, r => r with { IsRestoring = true, State = "in_progress", Progress = 0, Error = "", CurrentRestoringBackup = next, BackupURL = url },
            cancellationToken).ConfigureAwait(false);
        try
        {
            var target = await store.GetRequiredAsync<BackupTarget>(volume.Spec.BackupTargetName, cancellationToken).ConfigureAwait(false);
            var backupStore = await stores.OpenAsync(target, cancellationToken).ConfigureAwait(false);
            var replica = replicas.Get(name);
            if (last.Length == 0 && replica.ListSnapshots().Count > 0)
            {
                // A first restore that reached the replica but not the volume's status (the host was killed in between):
                // the replica holds only what this volume's restore put there, so it starts again on a fresh one.
                logger.LogInformation("Restarting the restore of volume {Volume} on a fresh replica: an interrupted restore left {Count} snapshot(s)",
                    name, replica.ListSnapshots().Count);
                var size = replica.VolumeSize;
                await replicas.RemoveAsync(name).ConfigureAwait(false);
                replica = replicas.Create(name, size);
            }
            var progress = new ProgressRecorder(p => UpdateAsync(name, r => r.IsRestoring && p > r.Progress ? r with { Progress = p } : null, CancellationToken.None));
            if (last.Length == 0)
            {
                await using var restore = replica.BeginFullRestore();
                await backupStore.RestoreAsync(backupVolumeName, next, restore, progress, cancellationToken).ConfigureAwait(false);
                await restore.CompleteAsync(cancellationToken).ConfigureAwait(false);
            }
            else
            {
                await using var restore = replica.BeginIncrementalRestore(last);
                await backupStore.RestoreIncrementallyAsync(backupVolumeName, next, last, restore, progress, cancellationToken).ConfigureAwait(false);
                await restore.CompleteAsync(cancellationToken).ConfigureAwait(false);
            }
            await progress.DrainAsync().ConfigureAwait(false);
            await store.MutateAsync<Volume>(name, v => v with
            {
                Status = v.Status with
                {
                    RestoreRequired = v.Spec.Standby,
                    RestoreStatus = (v.Status.RestoreStatus ?? new RestoreStatus()) with
                    {
                        IsRestoring = false, State = "complete", Progress = 100, LastRestored = next, CurrentRestoringBackup = "", Error = "",
                    },
                },
            }, CancellationToken.None).ConfigureAwait(false);
            logger.LogInformation("Restored volume {Volume} from backup {Backup} ({Kind})", name, next, last.Length == 0 ? "full" : "incremental");
            // An activation waits for this: the next pass finds the volume caught up (or restores the backup that came meanwhile).
            if (volume.Spec.Standby && volume.Status.ActivationRequested) work.Enqueue(WorkKind.Restore, name);
        }
        catch (Exception e) when (ExpectedFailure.Is(e) || (e is OperationCanceledException && cancellationToken.IsCancellationRequested))
        {
            var message = e is OperationCanceledException ? "the restore was cancelled (the host stopped or the volume was deleted)" : e.Message;
            logger.LogWarning("Restore of volume {Volume} from backup {Backup} failed: {Reason}", name, next, message);
            await UpdateAsync(name, r => r with { IsRestoring = false, State = "error", Error = message }, CancellationToken.None).ConfigureAwait(false);
            if (e is OperationCanceledException) throw;
        }
        catch (Exception e)
        {
            // A bug: the restore stops as an internal error, and the worker pool logs the stack.
            var message = $"internal error: {e.GetType().Name}: {e.Message}; the host log has the stack";
            await UpdateAsync(name, r => r with { IsRestoring = false, State = "error", Error = message }, CancellationToken.None).ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>Longhorn's DR activation: with the last backup restored, the standby volume becomes a normal one (writable, backed up).</summary>
    private async Task ActivateAsync(string name, string lastRestored)
    {
        await store.MutateAsync<Volume>(name, v => v with
        {
            Spec = v.Spec with { Standby = false },
            Status = v.Status with { IsStandby = false, RestoreRequired = false, ActivationRequested = false },
        }, CancellationToken.None).ConfigureAwait(false);
        logger.LogInformation("Activated standby volume {Volume} at backup {Backup}", name, lastRestored);
    }

    private Task<Volume?> UpdateAsync(string name, Func<RestoreStatus, RestoreStatus?> change, CancellationToken cancellationToken) =>
        store.MutateAsync<Volume>(name, v => change(v.Status.RestoreStatus ?? new RestoreStatus()) is { } status
            ? v with { Status = v.Status with { RestoreStatus = status } }
            : null, cancellationToken);
}
