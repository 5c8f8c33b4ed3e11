using Longhorn.Functions.ControlPlane.Work;
using Longhorn.Functions.Resources;

namespace Longhorn.Functions.ControlPlane.Targets;

/// <summary>Backup volumes as users see them: read from resources; sync and delete run in the background.</summary>
public sealed class BackupVolumeService(IResourceStore store, WorkQueue work, TimeProvider time)
{
    public Task<IReadOnlyList<BackupVolume>> ListAsync(CancellationToken cancellationToken) => store.ListAsync<BackupVolume>(null, cancellationToken);

    public async Task<BackupVolume> GetAsync(string name, CancellationToken cancellationToken) =>
        await store.GetAsync<BackupVolume>(name, cancellationToken).ConfigureAwait(false)
        ?? throw ControlPlaneException.NotFound("name", $"backup volume {name} not found");

    public async Task<BackupVolume> RequestSyncAsync(string name, CancellationToken cancellationToken)
    {
        var backupVolume = await GetAsync(name, cancellationToken).ConfigureAwait(false);
        var now = time.GetUtcNow();
        if (backupVolume.Spec.SyncRequestedAt is { } last && now - last < BackupTargetService.MinSyncInterval)
        {
            throw new ControlPlaneException(Problem.TooManyRequests,
                $"backup volume {name} was asked to sync at {last:O}; ask again after {BackupTargetService.MinSyncInterval.TotalSeconds:0} s", "name")
            { RetryAfter = BackupTargetService.MinSyncInterval - (now - last) };
        }
        var updated = await store.MutateAsync<BackupVolume>(name, b => b with { Spec = b.Spec with { SyncRequestedAt = now } }, cancellationToken)
            .ConfigureAwait(false);
        work.Enqueue(WorkKind.SyncBackupVolume, name);
        return updated ?? backupVolume;
    }

    /// <summary>Deletes the whole backup volume, store included, in the background; 409 while a backup of it is running.</summary>
    public async Task<BackupVolume?> DeleteAsync(string name, CancellationToken cancellationToken)
    {
        var backupVolume = await GetAsync(name, cancellationToken).ConfigureAwait(false);
        var backups = await store.ListAsync<Backup>(LabelSelector.Of((LonghornLabels.BackupTarget, backupVolume.Spec.BackupTargetName),
            (LonghornLabels.BackupVolume, backupVolume.Spec.VolumeName)), cancellationToken).ConfigureAwait(false);
        // Only this control plane's own backups wait here: another writer's (pulled InProgress, perhaps a placeholder
        // its writer left behind) is kept apart by the store's locks, as in Longhorn.
        if (backups.FirstOrDefault(b => b.IsLocal && b.Status.State is BackupStates.Pending or BackupStates.InProgress) is { } busy)
            throw ControlPlaneException.Conflict("name", $"backup {busy.Name} of volume {backupVolume.Spec.VolumeName} is {busy.Status.State}; delete the backup volume when it has finished");
        var deleting = await store.DeleteAsync<BackupVolume>(name, cancellationToken).ConfigureAwait(false);
        if (deleting is not null) work.Enqueue(WorkKind.DeleteBackupVolume, name);
        return deleting;
    }
}
