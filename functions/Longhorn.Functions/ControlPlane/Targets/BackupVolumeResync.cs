using Longhorn.Functions.ControlPlane.Work;
using Longhorn.Functions.Resources;

namespace Longhorn.Functions.ControlPlane.Targets;

/// <summary>Runs a requested sync of one backup volume against its target's store.</summary>
public sealed class BackupVolumeResync : IWorkHandler
{
    private readonly IResourceStore _store;
    private readonly BackupStoreFactory _stores;
    private readonly BackupVolumeSync _sync;

    public BackupVolumeResync(IResourceStore store, BackupStoreFactory stores, BackupVolumeSync sync)
    {
        _store = store;
        _stores = stores;
        _sync = sync;
    }

    public WorkKind Kind => WorkKind.SyncBackupVolume;

    public async Task RunAsync(string name, CancellationToken cancellationToken)
    {
        var backupVolume = await _store.GetAsync<BackupVolume>(name, cancellationToken).ConfigureAwait(false);
        if (backupVolume is null || backupVolume.IsDeleting) return;
        var target = await _store.GetAsync<BackupTarget>(backupVolume.Spec.BackupTargetName, cancellationToken).ConfigureAwait(false);
        if (target is null || !target.Status.Available) return;
        var backupStore = await _stores.OpenAsync(target, cancellationToken).ConfigureAwait(false);
        await _sync.SyncAsync(target, backupStore, backupVolume.Spec.VolumeName, cancellationToken).ConfigureAwait(false);
    }
}
