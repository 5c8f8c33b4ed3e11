using Longhorn.Engine;
using Longhorn.Functions.ControlPlane.Work;
using Longhorn.Functions.Resources;

namespace Longhorn.Functions.ControlPlane.Targets;

/// <summary>Deletes a backup volume from the store (unless CR-only), then its Backup resources and itself.</summary>
public sealed class BackupVolumeRemoval(IResourceStore store, BackupStoreFactory stores, ILogger<BackupVolumeRemoval> logger) : IWorkHandler
{
    public WorkKind Kind => WorkKind.DeleteBackupVolume;

    public async Task RunAsync(string name, CancellationToken cancellationToken)
    {
        var backupVolume = await store.GetAsync<BackupVolume>(name, cancellationToken).ConfigureAwait(false);
        if (backupVolume is null || !backupVolume.IsDeleting) return;
        var volumeName = backupVolume.Spec.VolumeName;
        var target = await store.GetAsync<BackupTarget>(backupVolume.Spec.BackupTargetName, cancellationToken).ConfigureAwait(false);
        if (!backupVolume.Metadata.Labels.ContainsKey(LonghornLabels.DeleteCustomResourceOnly)
            && target is { IsDeleting: false, Spec.BackupTargetURL.Length: > 0, Status.Available: true })
        {
            try
            {
                var backupStore = await stores.OpenAsync(target, cancellationToken).ConfigureAwait(false);
                await backupStore.DeleteVolumeAsync(volumeName, cancellationToken).ConfigureAwait(false);
            }
            catch (Exception e) when (ExpectedFailure.Is(e))
            {
                logger.LogWarning("Deleting backup volume {Volume} from target {Target} failed, will retry: {Reason}", volumeName, target.Name, e.Message);
                await store.MutateAsync<BackupVolume>(name, b => b with
                {
                    Status = b.Status with { Messages = new Dictionary<string, string> { ["error"] = e.Message } },
                }, CancellationToken.None).ConfigureAwait(false);
                return;
            }
        }
        var backups = await store.ListAsync<Backup>(LabelSelector.Of((LonghornLabels.BackupTarget, backupVolume.Spec.BackupTargetName),
            (LonghornLabels.BackupVolume, volumeName)), CancellationToken.None).ConfigureAwait(false);
        foreach (var backup in backups)
            await CustomResourceDeletion.DeleteAsync<Backup>(store, backup.Name, CancellationToken.None).ConfigureAwait(false);
        await store.RemoveFinalizerAsync<BackupVolume>(name, LonghornLabels.Finalizer, CancellationToken.None).ConfigureAwait(false);
        logger.LogInformation("Deleted backup volume {Volume} of target {Target}", volumeName, backupVolume.Spec.BackupTargetName);
    }
}
