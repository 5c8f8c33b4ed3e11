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
/// The backup worker: waits in Pending while another backup of the volume is Deleting, then runs the engine's
/// backup of the snapshot with progress on the resource, and ends Completed (status from the store) or Error.
/// </summary>
public sealed class BackupCreation : IWorkHandler
{
    private readonly IResourceStore _store;
    private readonly ReplicaRegistry _replicas;
    private readonly BackupStoreFactory _stores;
    private readonly BackupVolumeSync _backupVolumes;
    private readonly SnapshotService _snapshots;
    private readonly LonghornSettings _settings;
    private readonly HostIdentity _host;
    private readonly TimeProvider _time;
    private readonly ILogger<BackupCreation> _logger;

    public BackupCreation(IResourceStore store, ReplicaRegistry replicas, BackupStoreFactory stores, BackupVolumeSync backupVolumes,
        SnapshotService snapshots, LonghornSettings settings, HostIdentity host, TimeProvider time, ILogger<BackupCreation> logger)
    {
        _store = store;
        _replicas = replicas;
        _stores = stores;
        _backupVolumes = backupVolumes;
        _snapshots = snapshots;
        _settings = settings;
        _host = host;
        _time = time;
        _logger = logger;
    }

    public WorkKind Kind => WorkKind.CreateBackup;

    public async Task RunAsync(string name, CancellationToken cancellationToken)
    {
        var backup = await _store.GetAsync<Backup>(name, cancellationToken).ConfigureAwait(false);
        if (backup is null || backup.IsDeleting || backup.Status.State is not (BackupStates.New or BackupStates.Pending)) return;
        var volumeName = backup.Status.VolumeName;
        var targetName = backup.Status.BackupTargetName;

        var siblings = await _store.ListAsync<Backup>(LabelSelector.Of((LonghornLabels.BackupTarget, targetName), (LonghornLabels.BackupVolume, volumeName)),
            cancellationToken).ConfigureAwait(false);
        if (siblings.FirstOrDefault(b => b.Status.State == BackupStates.Deleting) is { } deleting)
        {
            await SetAsync(name, s => s with
            {
                State = BackupStates.Pending,
                Messages = new Dictionary<string, string> { ["info"] = $"Wait for backup {deleting.Name} to be deleted" },
            }).ConfigureAwait(false);
            return;
        }

        var volume = await _store.GetAsync<Volume>(volumeName, cancellationToken).ConfigureAwait(false);
        if (volume is null || volume.IsDeleting)
        {
            await FailAsync(name, $"cannot find the corresponding volume {volumeName}").ConfigureAwait(false);
            return;
        }
        await SetAsync(name, s => s with
        {
            OwnerID = _host.InstanceId, State = BackupStates.InProgress, Progress = 0, Messages = new Dictionary<string, string>(), Error = "",
        }).ConfigureAwait(false);

        var progress = new ProgressRecorder(p => SetAsync(name, s => s.State == BackupStates.InProgress && p > s.Progress ? s with { Progress = p } : null));
        try
        {
            var target = await _store.GetRequiredAsync<BackupTarget>(targetName, cancellationToken).ConfigureAwait(false);
            var backupStore = await _stores.OpenAsync(target, cancellationToken).ConfigureAwait(false);
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
            var result = await backupStore.CreateBackupAsync(request, _replicas.Get(volumeName), progress, cancellationToken).ConfigureAwait(false);
            await progress.DrainAsync().ConfigureAwait(false);
            var info = await backupStore.InspectBackupAsync(volumeName, result.BackupName, CancellationToken.None).ConfigureAwait(false);
            // The backup volume shows the new backup before the backup shows Completed, so readers never see them disagree.
            await SyncBackupVolumeAsync(target, backupStore, backup, CancellationToken.None).ConfigureAwait(false);
            var now = _time.GetUtcNow();
            await SetAsync(name, s => BackupStatuses.FromStore(info, targetName, _host.InstanceId, now, s)).ConfigureAwait(false);
            _logger.LogInformation("Backup {Backup} of volume {Volume} completed: {Url}", name, volumeName, result.Url);
            await CleanupSnapshotAsync(backup, CancellationToken.None).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            await progress.DrainAsync().ConfigureAwait(false);
            var current = await _store.GetAsync<Backup>(name, CancellationToken.None).ConfigureAwait(false);
            if (current is not null && !current.IsDeleting)
                await FailAsync(name, "the backup was cancelled: the host stopped before it finished; back up again").ConfigureAwait(false);
            throw;
        }
        catch (Exception e) when (e is BackupStoreException or ControlPlaneException or InvalidOperationException or IOException or ResourceNotFoundException)
        {
            await progress.DrainAsync().ConfigureAwait(false);
            _logger.LogWarning("Backup {Backup} of volume {Volume} failed: {Reason}", name, volumeName, e.Message);
            await FailAsync(name, e.Message).ConfigureAwait(false);
        }
    }

    private async Task SyncBackupVolumeAsync(BackupTarget target, BackupStore backupStore, Backup backup, CancellationToken cancellationToken)
    {
        var volumeName = backup.Status.VolumeName;
        try
        {
            await _backupVolumes.EnsureAsync(target, volumeName, cancellationToken).ConfigureAwait(false);
            await _store.MutateAsync<Backup>(backup.Name, b => b.Metadata.OwnerReferences.Count > 0 ? null : b.WithMetadata(b.Metadata with
            {
                OwnerReferences = [new OwnerReference(Resource.LonghornApiVersion, BackupVolume.KindName, ResourceNames.BackupVolume(volumeName, target.Name), "")],
            }), cancellationToken).ConfigureAwait(false);
            await _backupVolumes.SyncAsync(target, backupStore, volumeName, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is BackupStoreException or ControlPlaneException or IOException)
        {
            _logger.LogWarning("Syncing the backup volume after backup {Backup} of volume {Volume} failed: {Reason}", backup.Name, volumeName, e.Message);
        }
    }

    /// <summary>auto-cleanup-snapshot-after-on-demand-backup-completed: an on-demand backup's snapshot goes once it is backed up.</summary>
    private async Task CleanupSnapshotAsync(Backup backup, CancellationToken cancellationToken)
    {
        if (backup.Spec.Labels.ContainsKey(LonghornLabels.RecurringJob)
            || !await _settings.GetBoolAsync(SettingDefinitions.AutoCleanupSnapshotAfterOnDemandBackup, cancellationToken).ConfigureAwait(false))
            return;
        try
        {
            await _snapshots.DeleteAsync(backup.Status.VolumeName, backup.Spec.SnapshotName, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is ControlPlaneException or InvalidOperationException or IOException)
        {
            _logger.LogWarning("Keeping snapshot {Snapshot} of backup {Backup}: {Reason}", backup.Spec.SnapshotName, backup.Name, e.Message);
        }
    }

    private Task FailAsync(string name, string message) => SetAsync(name, s => s with
    {
        State = BackupStates.Error,
        Error = message,
        Messages = new Dictionary<string, string> { ["error"] = message },
        LastSyncedAt = _time.GetUtcNow(),
    });

    /// <summary>Changes the status unless the backup is being deleted (Deleting wins over anything the worker reports).</summary>
    private Task<Backup?> SetAsync(string name, Func<BackupStatus, BackupStatus?> change) =>
        _store.MutateAsync<Backup>(name, b => b.Status.State == BackupStates.Deleting
            ? null
            : change(b.Status) is { } status ? b with { Status = status } : null, CancellationToken.None);
}
