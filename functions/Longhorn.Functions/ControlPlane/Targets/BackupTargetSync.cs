using Longhorn.Engine;
using Longhorn.Functions.ControlPlane.Work;
using Longhorn.Functions.Resources;

namespace Longhorn.Functions.ControlPlane.Targets;

/// <summary>
/// Syncs a backup target with its store (Longhorn's backup target controller): probes availability, creates the
/// BackupVolumes the store has, deletes vanished ones CR-only, then syncs every BackupVolume.
/// </summary>
public sealed class BackupTargetSync(IResourceStore store, BackupStoreFactory stores, BackupVolumeSync volumes, TimeProvider time,
    ILogger<BackupTargetSync> logger, IEnumerable<IBackupTargetSyncStep> steps) : IWorkHandler
{
    public WorkKind Kind => WorkKind.SyncBackupTarget;

    public async Task RunAsync(string name, CancellationToken cancellationToken)
    {
        var target = await store.GetAsync<BackupTarget>(name, cancellationToken).ConfigureAwait(false);
        if (target is null || target.IsDeleting) return;
        var now = time.GetUtcNow();
        var selector = LabelSelector.Of((LonghornLabels.BackupTarget, name));
        var cluster = await store.ListAsync<BackupVolume>(selector, cancellationToken).ConfigureAwait(false);

        if (target.Spec.BackupTargetURL.Length == 0)
        {
            await SetUnavailableAsync(name, "backup target URL is empty", clearSync: true, cancellationToken).ConfigureAwait(false);
            foreach (var backupVolume in cluster) await DeleteWithBackupsAsync(backupVolume, cancellationToken).ConfigureAwait(false);
            foreach (var step in steps) await step.ClearAsync(target, cancellationToken).ConfigureAwait(false);
            return;
        }

        BackupStore backupStore;
        IReadOnlyList<string> remote;
        try
        {
            backupStore = await stores.OpenAsync(target, cancellationToken).ConfigureAwait(false);
            remote = await backupStore.ListVolumeNamesAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (ExpectedFailure.Is(e))
        {
            logger.LogWarning("Backup target {Target} is not available: {Reason}", name, e.Message);
            await SetUnavailableAsync(name, e.Message, clearSync: false, cancellationToken).ConfigureAwait(false);
            return;
        }
        await store.MutateAsync<BackupTarget>(name, t => t.Status.Available && t.Status.Conditions.Count == 0
            ? null
            : t with { Status = t.Status with { Available = true, Conditions = [] } }, cancellationToken).ConfigureAwait(false);

        var names = remote.Where(n => Longhorn.Engine.Format.Names.IsValid(n)).ToHashSet(StringComparer.Ordinal);
        foreach (var backupVolume in cluster.Where(b => !b.IsDeleting && !names.Contains(b.Spec.VolumeName)))
        {
            logger.LogInformation("Backup volume {Volume} is gone from target {Target}; deleting its resources only", backupVolume.Spec.VolumeName, name);
            await DeleteWithBackupsAsync(backupVolume, cancellationToken).ConfigureAwait(false);
        }
        foreach (var volumeName in names.Order(StringComparer.Ordinal))
        {
            cancellationToken.ThrowIfCancellationRequested();
            await volumes.SyncAsync(target, backupStore, volumeName, cancellationToken).ConfigureAwait(false);
        }
        foreach (var step in steps) await step.SyncAsync(target, backupStore, cancellationToken).ConfigureAwait(false);
        await store.MutateAsync<BackupTarget>(name, t => t with { Status = t.Status with { LastSyncedAt = now } }, cancellationToken)
            .ConfigureAwait(false);
        logger.LogInformation("Synced backup target {Target}: {Volumes} backup volumes", name, names.Count);
    }

    private async Task DeleteWithBackupsAsync(BackupVolume backupVolume, CancellationToken cancellationToken)
    {
        var backups = await store.ListAsync<Backup>(LabelSelector.Of((LonghornLabels.BackupTarget, backupVolume.Spec.BackupTargetName),
            (LonghornLabels.BackupVolume, backupVolume.Spec.VolumeName)), cancellationToken).ConfigureAwait(false);
        foreach (var backup in backups.Where(b => !b.IsLocal || b.Status.State == BackupStates.Completed))
            await CustomResourceDeletion.DeleteAsync<Backup>(store, backup.Name, cancellationToken).ConfigureAwait(false);
        await CustomResourceDeletion.DeleteAsync<BackupVolume>(store, backupVolume.Name, cancellationToken).ConfigureAwait(false);
    }

    private Task SetUnavailableAsync(string name, string message, bool clearSync, CancellationToken cancellationToken) =>
        store.MutateAsync<BackupTarget>(name, t => t with
        {
            Status = t.Status with
            {
                Available = false,
                LastSyncedAt = clearSync ? null : t.Status.LastSyncedAt,
                Conditions = [new Condition("Unavailable", "True", "Unavailable", message, time.GetUtcNow())],
            },
        }, cancellationToken);
}
