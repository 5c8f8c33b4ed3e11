using Longhorn.Engine;
using Longhorn.Functions.ControlPlane.Work;
using Longhorn.Functions.Resources;

namespace Longhorn.Functions.ControlPlane.Targets;

/// <summary>
/// Syncs a backup target with its store (Longhorn's backup target controller): probes availability, creates the
/// BackupVolumes the store has, deletes vanished ones CR-only, then syncs every BackupVolume.
/// </summary>
public sealed class BackupTargetSync : IWorkHandler
{
    private readonly IResourceStore _store;
    private readonly BackupStoreFactory _stores;
    private readonly BackupVolumeSync _volumes;
    private readonly TimeProvider _time;
    private readonly ILogger<BackupTargetSync> _logger;
    private readonly IReadOnlyList<IBackupTargetSyncStep> _steps;

    public BackupTargetSync(IResourceStore store, BackupStoreFactory stores, BackupVolumeSync volumes, TimeProvider time,
        ILogger<BackupTargetSync> logger, IEnumerable<IBackupTargetSyncStep> steps)
    {
        _steps = steps.ToList();
        _store = store;
        _stores = stores;
        _volumes = volumes;
        _time = time;
        _logger = logger;
    }

    public WorkKind Kind => WorkKind.SyncBackupTarget;

    public async Task RunAsync(string name, CancellationToken cancellationToken)
    {
        var target = await _store.GetAsync<BackupTarget>(name, cancellationToken).ConfigureAwait(false);
        if (target is null || target.IsDeleting) return;
        var now = _time.GetUtcNow();
        var selector = LabelSelector.Of((LonghornLabels.BackupTarget, name));
        var cluster = await _store.ListAsync<BackupVolume>(selector, cancellationToken).ConfigureAwait(false);

        if (target.Spec.BackupTargetURL.Length == 0)
        {
            await SetUnavailableAsync(name, "backup target URL is empty", clearSync: true, cancellationToken).ConfigureAwait(false);
            foreach (var backupVolume in cluster) await DeleteWithBackupsAsync(backupVolume, cancellationToken).ConfigureAwait(false);
            foreach (var step in _steps) await step.ClearAsync(target, cancellationToken).ConfigureAwait(false);
            return;
        }

        BackupStore backupStore;
        IReadOnlyList<string> remote;
        try
        {
            backupStore = await _stores.OpenAsync(target, cancellationToken).ConfigureAwait(false);
            remote = await backupStore.ListVolumeNamesAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is BackupStoreException or ControlPlaneException or IOException or UnauthorizedAccessException)
        {
            _logger.LogWarning("Backup target {Target} is not available: {Reason}", name, e.Message);
            await SetUnavailableAsync(name, e.Message, clearSync: false, cancellationToken).ConfigureAwait(false);
            return;
        }
        await _store.MutateAsync<BackupTarget>(name, t => t.Status.Available && t.Status.Conditions.Count == 0
            ? null
            : t with { Status = t.Status with { Available = true, Conditions = [] } }, cancellationToken).ConfigureAwait(false);

        var names = remote.Where(n => Longhorn.Engine.Format.Names.IsValid(n)).ToHashSet(StringComparer.Ordinal);
        foreach (var backupVolume in cluster.Where(b => !b.IsDeleting && !names.Contains(b.Spec.VolumeName)))
        {
            _logger.LogInformation("Backup volume {Volume} is gone from target {Target}; deleting its resources only", backupVolume.Spec.VolumeName, name);
            await DeleteWithBackupsAsync(backupVolume, cancellationToken).ConfigureAwait(false);
        }
        foreach (var volumeName in names.Order(StringComparer.Ordinal))
        {
            cancellationToken.ThrowIfCancellationRequested();
            await _volumes.SyncAsync(target, backupStore, volumeName, cancellationToken).ConfigureAwait(false);
        }
        foreach (var step in _steps) await step.SyncAsync(target, backupStore, cancellationToken).ConfigureAwait(false);
        await _store.MutateAsync<BackupTarget>(name, t => t with { Status = t.Status with { LastSyncedAt = now } }, cancellationToken)
            .ConfigureAwait(false);
        _logger.LogInformation("Synced backup target {Target}: {Volumes} backup volumes", name, names.Count);
    }

    private async Task DeleteWithBackupsAsync(BackupVolume backupVolume, CancellationToken cancellationToken)
    {
        var backups = await _store.ListAsync<Backup>(LabelSelector.Of((LonghornLabels.BackupTarget, backupVolume.Spec.BackupTargetName),
            (LonghornLabels.BackupVolume, backupVolume.Spec.VolumeName)), cancellationToken).ConfigureAwait(false);
        foreach (var backup in backups.Where(b => !b.IsLocal || b.Status.State == BackupStates.Completed))
            await CustomResourceDeletion.DeleteAsync<Backup>(_store, backup.Name, cancellationToken).ConfigureAwait(false);
        await CustomResourceDeletion.DeleteAsync<BackupVolume>(_store, backupVolume.Name, cancellationToken).ConfigureAwait(false);
    }

    private Task SetUnavailableAsync(string name, string message, bool clearSync, CancellationToken cancellationToken) =>
        _store.MutateAsync<BackupTarget>(name, t => t with
        {
            Status = t.Status with
            {
                Available = false,
                LastSyncedAt = clearSync ? null : t.Status.LastSyncedAt,
                Conditions = [new Condition("Unavailable", "True", "Unavailable", message, _time.GetUtcNow())],
            },
        }, cancellationToken);
}
