using Longhorn.Functions.ControlPlane.Work;
using Longhorn.Functions.Resources;

namespace Longhorn.Functions.ControlPlane.Targets;

/// <summary>Runs a requested sync of one backup volume against its target's store.</summary>
public sealed class BackupVolumeResync(IResourceStore store, BackupStoreFactory stores, BackupVolumeSync sync) : IWorkHandler
{
    public WorkKind Kind => WorkKind.SyncBackupVolume;

    public async Task RunAsync(string name, CancellationToken cancellationToken)
    {
        var backupVolume = await store.GetAsync<BackupVolume>(name, cancellationToken).ConfigureAwait(false);
        if (backupVolume is null || backupVolume.IsDeleting) return;
        var target = await store.GetAsync<BackupTarget>(backupVolume.Spec.BackupTargetName, cancellationToken).ConfigureAwait(false);
        if (target is null || !target.Status.Available) return;
        var backupStore = await stores.OpenAsync(target, cancellationToken).ConfigureAwait(false);
        await sync.SyncAsync(target, backupStore, backupVolume.Spec.VolumeName, cancellationToken).ConfigureAwait(false);
    }
}
