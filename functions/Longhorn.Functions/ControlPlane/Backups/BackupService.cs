using Longhorn.Functions.ControlPlane.Volumes;
using Longhorn.Functions.ControlPlane.Work;
using Longhorn.Functions.Resources;

namespace Longhorn.Functions.ControlPlane.Backups;

/// <summary>
/// Backups as users see them: a request validates, takes a snapshot when none is named, and creates the Backup in
/// state Pending for a worker; listing and getting read resources only; deleting marks the backup Deleting.
/// </summary>
public sealed class BackupService
{
    private readonly IResourceStore _store;
    private readonly SnapshotService _snapshots;
    private readonly WorkQueue _work;
    private readonly HostIdentity _host;
    private readonly ILogger<BackupService> _logger;

    public BackupService(IResourceStore store, SnapshotService snapshots, WorkQueue work, HostIdentity host, ILogger<BackupService> logger)
    {
        _store = store;
        _snapshots = snapshots;
        _work = work;
        _host = host;
        _logger = logger;
    }

    public async Task<Backup> CreateAsync(string volumeName, string? snapshotName, IReadOnlyDictionary<string, string>? labels, string? backupMode,
        CancellationToken cancellationToken, string? name = null)
    {
        var volume = await VolumeService.GetRequiredAsync(_store, volumeName, cancellationToken).ConfigureAwait(false);
        if (volume.Spec.Standby)
            throw ControlPlaneException.Conflict("volume", $"cannot back up standby volume {volumeName}: activate it first");
        if (volume.Status.RestoreRequired)
            throw ControlPlaneException.Conflict("volume", $"cannot back up volume {volumeName} while it is being restored");
        var mode = string.IsNullOrEmpty(backupMode) ? BackupModes.Incremental : backupMode;
        if (mode is not (BackupModes.Full or BackupModes.Incremental))
            throw ControlPlaneException.Invalid("backupMode", $"backupMode {backupMode} is invalid: it must be full or incremental");
        ResourceNames.ValidateLabels(labels, "labels");
        var targetName = volume.Spec.BackupTargetName;
        var target = await _store.GetAsync<BackupTarget>(targetName, cancellationToken).ConfigureAwait(false);
        if (target is null || target.Spec.BackupTargetURL.Length == 0 || !target.Status.Available)
            throw ControlPlaneException.Conflict("backupTargetName", $"backup target {targetName} is not available" +
                (target?.Status.Conditions.FirstOrDefault()?.Message is { } why ? ": " + why : ""));

        Snapshot snapshot;
        if (string.IsNullOrEmpty(snapshotName))
            snapshot = await _snapshots.CreateAsync(volumeName, null, labels, cancellationToken).ConfigureAwait(false);
        else
        {
            var found = await _store.GetAsync<Snapshot>(snapshotName, cancellationToken).ConfigureAwait(false);
            if (found is null || found.Spec.Volume != volumeName || found.Status.MarkRemoved)
                throw ControlPlaneException.NotFound("snapshotName", $"snapshot {snapshotName} of volume {volumeName} not found");
            snapshot = found;
        }

        var specLabels = new Dictionary<string, string>(labels ?? new Dictionary<string, string>(), StringComparer.Ordinal);
        specLabels.TryAdd(LonghornLabels.VolumeAccessMode, "rwo");
        var backup = await _store.CreateAsync(new Backup
        {
            Metadata = new ObjectMeta
            {
                Name = name ?? ResourceNames.Generate("backup"),
                Labels = new Dictionary<string, string> { [LonghornLabels.BackupTarget] = targetName, [LonghornLabels.BackupVolume] = volumeName },
                Finalizers = [LonghornLabels.Finalizer],
            },
            Spec = new BackupSpec { SnapshotName = snapshot.Name, Labels = specLabels, BackupMode = mode, BackupBlockSize = volume.Spec.BackupBlockSize },
            Status = new BackupStatus
            {
                OwnerID = _host.InstanceId,
                State = BackupStates.Pending,
                SnapshotName = snapshot.Name,
                VolumeName = volumeName,
                VolumeSize = volume.Spec.Size,
                BackupTargetName = targetName,
                CompressionMethod = volume.Spec.BackupCompressionMethod,
            },
        }, cancellationToken).ConfigureAwait(false);
        _work.Enqueue(WorkKind.CreateBackup, backup.Name);
        _logger.LogInformation("Backup {Backup} of volume {Volume} snapshot {Snapshot} requested ({Mode})", backup.Name, volumeName, snapshot.Name, mode);
        return backup;
    }

    public async Task<Backup> GetAsync(string name, CancellationToken cancellationToken) =>
        await _store.GetAsync<Backup>(name, cancellationToken).ConfigureAwait(false)
        ?? throw ControlPlaneException.NotFound("name", $"backup {name} not found");

    /// <summary>Backups sorted by name, optionally of one volume; read from resources, never from the store.</summary>
    public Task<IReadOnlyList<Backup>> ListAsync(string? volumeName, CancellationToken cancellationToken) =>
        _store.ListAsync<Backup>(string.IsNullOrEmpty(volumeName) ? null : LabelSelector.Of((LonghornLabels.BackupVolume, volumeName)), cancellationToken);

    /// <summary>Asks for the backup's deletion; returns it in state Deleting, or null when it went at once (nothing in the store to remove).</summary>
    public async Task<Backup?> DeleteAsync(string name, CancellationToken cancellationToken)
    {
        await GetAsync(name, cancellationToken).ConfigureAwait(false);
        return await BackupRemoval.RequestAsync(_store, _work, name, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Waits, without polling, until the backup reaches a final state (or is gone: null).</summary>
    public async Task<Backup?> WaitUntilFinalAsync(string name, CancellationToken cancellationToken)
    {
        while (true)
        {
            var changed = _work.WaitForChangeAsync(cancellationToken);
            var backup = await _store.GetAsync<Backup>(name, cancellationToken).ConfigureAwait(false);
            if (backup is null || BackupStates.IsFinal(backup.Status.State)) return backup;
            await changed.ConfigureAwait(false);
        }
    }
}
