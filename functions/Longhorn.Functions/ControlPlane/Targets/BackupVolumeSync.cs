using Longhorn.Engine;
using Longhorn.Engine.Inventory;
using Longhorn.Functions.ControlPlane.Settings;
using Longhorn.Functions.ControlPlane.Work;
using Longhorn.Functions.Resources;

namespace Longhorn.Functions.ControlPlane.Targets;

/// <summary>
/// Makes one BackupVolume and its Backups match the store (Longhorn's backup volume controller): pulls backups it
/// finds, deletes vanished ones CR-only, leaves local in-flight ones alone, applies the failed-backup TTL, refreshes
/// the BackupVolume's status and the volumes' last backup, and starts DR volumes' incremental restores.
/// </summary>
public sealed class BackupVolumeSync
{
    private readonly IResourceStore _store;
    private readonly LonghornSettings _settings;
    private readonly WorkQueue _work;
    private readonly HostIdentity _host;
    private readonly TimeProvider _time;
    private readonly ILogger<BackupVolumeSync> _logger;

    public BackupVolumeSync(IResourceStore store, LonghornSettings settings, WorkQueue work, HostIdentity host, TimeProvider time,
        ILogger<BackupVolumeSync> logger)
    {
        _store = store;
        _settings = settings;
        _work = work;
        _host = host;
        _time = time;
        _logger = logger;
    }

    /// <summary>The BackupVolume of the volume in the target, created when missing.</summary>
    public async Task<BackupVolume> EnsureAsync(BackupTarget target, string volumeName, CancellationToken cancellationToken)
    {
        var name = ResourceNames.BackupVolume(volumeName, target.Name);
        if (await _store.GetAsync<BackupVolume>(name, cancellationToken).ConfigureAwait(false) is { } existing) return existing;
        try
        {
            return await _store.CreateAsync(new BackupVolume
            {
                Metadata = new ObjectMeta
                {
                    Name = name,
                    Labels = new Dictionary<string, string> { [LonghornLabels.BackupTarget] = target.Name, [LonghornLabels.BackupVolume] = volumeName },
                    Finalizers = [LonghornLabels.Finalizer],
                    OwnerReferences = [target.AsOwner()],
                },
                Spec = new BackupVolumeSpec { BackupTargetName = target.Name, VolumeName = volumeName },
                Status = new BackupVolumeStatus { OwnerID = _host.InstanceId },
            }, cancellationToken).ConfigureAwait(false);
        }
        catch (ResourceConflictException)
        {
            return await _store.GetRequiredAsync<BackupVolume>(name, cancellationToken).ConfigureAwait(false);
        }
    }

    public async Task SyncAsync(BackupTarget target, BackupStore backupStore, string volumeName, CancellationToken cancellationToken)
    {
        var backupVolume = await EnsureAsync(target, volumeName, cancellationToken).ConfigureAwait(false);
        if (backupVolume.IsDeleting) return;
        var now = _time.GetUtcNow();

        // Read the cluster before the store: a local backup that completes in between is then still "in flight" here.
        var selector = LabelSelector.Of((LonghornLabels.BackupTarget, target.Name), (LonghornLabels.BackupVolume, volumeName));
        var cluster = await _store.ListAsync<Backup>(selector, cancellationToken).ConfigureAwait(false);
        VolumeListing listing;
        try
        {
            listing = (await backupStore.ListAsync(volumeName, cancellationToken: cancellationToken).ConfigureAwait(false)).Single();
        }
        catch (BackupStoreException e)
        {
            _logger.LogWarning("Cannot list backups of volume {Volume} in target {Target}: {Reason}", volumeName, target.Name, e.Message);
            return;
        }

        var ttlMinutes = await _settings.GetIntAsync(SettingDefinitions.FailedBackupTtl, cancellationToken).ConfigureAwait(false);
        var synced = new List<Backup>();
        foreach (var backup in cluster)
        {
            if (backup.IsLocal && backup.Status.State != BackupStates.Completed)
            {
                var failed = backup.Status.State is BackupStates.Error or BackupStates.Unknown;
                if (failed && !backup.IsDeleting && ttlMinutes > 0 && target.Spec.PollInterval > 0
                    && backup.Status.LastSyncedAt is { } at && now > at + TimeSpan.FromMinutes(ttlMinutes))
                {
                    _logger.LogInformation("Deleting failed backup {Backup} of volume {Volume}: older than failed-backup-ttl ({Minutes} min)",
                        backup.Name, volumeName, ttlMinutes);
                    await BackupDeletionRequest.SendAsync(_store, _work, backup.Name, cancellationToken).ConfigureAwait(false);
                }
                continue;
            }
            synced.Add(backup);
        }

        // Names come from the listing (file and folder names), never from a cfg, so a resource made here is one the
        // next pass finds again instead of one it deletes as gone.
        var remote = listing.BackupNames;
        var known = cluster.Select(b => b.Name).ToHashSet(StringComparer.Ordinal);
        var remoteSet = remote.ToHashSet(StringComparer.Ordinal);
        var changed = false;
        foreach (var name in remote.Where(n => !known.Contains(n)))
        {
            if (await ReadAsync(target, backupStore, backupVolume, volumeName, name, listing.Error, now, cancellationToken).ConfigureAwait(false)
                is not { } pulled)
                continue;
            try
            {
                await _store.CreateAsync(pulled, cancellationToken).ConfigureAwait(false);
                changed = true;
            }
            catch (ResourceConflictException)
            {
            }
        }
        // A pulled backup the store did not show complete is read again: another writer finishes, a volume.cfg comes back.
        foreach (var backup in synced.Where(b => !b.IsDeleting && !b.IsLocal && b.Status.State != BackupStates.Completed && remoteSet.Contains(b.Name)))
        {
            if (await ReadAsync(target, backupStore, backupVolume, volumeName, backup.Name, listing.Error, now, cancellationToken).ConfigureAwait(false)
                    is not { } read
                || (read.Status.State == backup.Status.State && read.Status.Error == backup.Status.Error
                    && Entries.Same(read.Status.Messages, backup.Status.Messages)))
                continue;
            await _store.MutateAsync<Backup>(backup.Name, b => b.IsDeleting ? null : b with { Spec = read.Spec, Status = read.Status }, cancellationToken)
                .ConfigureAwait(false);
            changed = true;
        }
        foreach (var backup in synced.Where(b => !b.IsDeleting && !remoteSet.Contains(b.Name)))
        {
            _logger.LogInformation("Backup {Backup} of volume {Volume} is gone from target {Target}; deleting its resource only",
                backup.Name, volumeName, target.Name);
            await CustomResourceDeletion.DeleteAsync<Backup>(_store, backup.Name, cancellationToken).ConfigureAwait(false);
            changed = true;
        }

        await RefreshStatusAsync(target, backupStore, backupVolume, volumeName, listing.Error, changed, now, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// The resource a backup listed in the store becomes: Completed from its cfg; InProgress while its cfg has no
    /// CreatedTime (another writer's backup, or one not finished); Error when its cfg, or its folder's volume.cfg, cannot
    /// be read. Null when the read failed in a way that may pass: the next sync tries again.
    /// </summary>
    private async Task<Backup?> ReadAsync(BackupTarget target, BackupStore backupStore, BackupVolume backupVolume, string volumeName, string name,
        string? volumeError, DateTimeOffset now, CancellationToken cancellationToken)
    {
        try
        {
            var info = await backupStore.InspectBackupAsync(volumeName, name, cancellationToken).ConfigureAwait(false);
            return Pulled(target, backupVolume, volumeName, name, info, now);
        }
        catch (BackupStoreInProgressException e)
        {
            return Unfinished(target, backupStore, backupVolume, volumeName, name, BackupStates.InProgress, "info",
                $"{e.Message} in backup target {target.Name}: its cfg has no CreatedTime yet (another writer's backup, or one that never finished)",
                now);
        }
        catch (BackupStoreException e) when (e is BackupStoreCorruptException || (volumeError is not null && e is BackupStoreNotFoundException))
        {
            return Unfinished(target, backupStore, backupVolume, volumeName, name, BackupStates.Error, "error", e.Message, now);
        }
        catch (BackupStoreException e)
        {
            _logger.LogInformation("Not pulling backup {Backup} of volume {Volume} yet: {Reason}", name, volumeName, e.Message);
            return null;
        }
    }

    private async Task RefreshStatusAsync(BackupTarget target, BackupStore backupStore, BackupVolume backupVolume, string volumeName,
        string? volumeError, bool changed, DateTimeOffset now, CancellationToken cancellationToken)
    {
        if (volumeError is not null)
        {
            // The folder has no volume.cfg: Longhorn's listing error is the backup volume's message.
            await _store.MutateAsync<BackupVolume>(backupVolume.Name, b => b with
            {
                Status = b.Status with { Messages = new Dictionary<string, string> { ["error"] = volumeError }, LastSyncedAt = now },
            }, cancellationToken).ConfigureAwait(false);
            return;
        }
        DateTimeOffset modified;
        VolumeInfo info;
        try
        {
            modified = await backupStore.GetModificationTimeAsync(volumeName, null, cancellationToken).ConfigureAwait(false);
            if (!changed && backupVolume.Status.LastModificationTime == modified)
            {
                await _store.MutateAsync<BackupVolume>(backupVolume.Name, b => b with { Status = b.Status with { LastSyncedAt = now } }, cancellationToken)
                    .ConfigureAwait(false);
                await FollowAsync(target, volumeName, backupVolume.Status.LastBackupName, backupVolume.Status.LastBackupAt, cancellationToken)
                    .ConfigureAwait(false);
                return;
            }
            info = await backupStore.InspectVolumeAsync(volumeName, cancellationToken).ConfigureAwait(false);
        }
        catch (BackupStoreException e)
        {
            await _store.MutateAsync<BackupVolume>(backupVolume.Name, b => b with
            {
                Status = b.Status with { Messages = new Dictionary<string, string> { ["error"] = e.Message }, LastSyncedAt = now },
            }, cancellationToken).ConfigureAwait(false);
            return;
        }
        await _store.MutateAsync<BackupVolume>(backupVolume.Name, b => b with { Status = WithVolume(b.Status, info, modified, now) }, cancellationToken)
            .ConfigureAwait(false);
        await FollowAsync(target, volumeName, info.LastBackupName, info.LastBackupAt, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// The host's own backup just completed: the BackupVolume shows the volume.cfg that backup wrote (the engine returns
    /// it) and the volumes follow, without listing or reading the store again. Other writers' backups are the poll's
    /// work; the modification time is cleared so the next poll reads volume.cfg once and confirms what is shown here.
    /// </summary>
    public async Task RecordBackupAsync(BackupTarget target, VolumeInfo volume, CancellationToken cancellationToken)
    {
        var backupVolume = await EnsureAsync(target, volume.Name, cancellationToken).ConfigureAwait(false);
        if (backupVolume.IsDeleting) return;
        var now = _time.GetUtcNow();
        await _store.MutateAsync<BackupVolume>(backupVolume.Name, b => b.IsDeleting ? null : b with { Status = WithVolume(b.Status, volume, null, now) },
            cancellationToken).ConfigureAwait(false);
        await FollowAsync(target, volume.Name, volume.LastBackupName, volume.LastBackupAt, cancellationToken).ConfigureAwait(false);
    }

    private static BackupVolumeStatus WithVolume(BackupVolumeStatus status, VolumeInfo info, DateTimeOffset? modified, DateTimeOffset now) => status with
    {
        LastModificationTime = modified,
        Size = info.Size,
        Labels = info.Labels ?? new Dictionary<string, string>(),
        CreatedAt = info.Created,
        LastBackupName = info.LastBackupName,
        LastBackupAt = info.LastBackupAt,
        DataStored = info.DataStored,
        Messages = new Dictionary<string, string>(),
        BackingImageName = info.BackingImageName,
        BackingImageChecksum = info.BackingImageChecksum,
        StorageClassName = info.StorageClassName,
        LastSyncedAt = now,
    };

    /// <summary>Copies the last backup to the volumes of that name on this target, and moves standby volumes on to it.</summary>
    private async Task FollowAsync(BackupTarget target, string volumeName, string lastBackup, string lastBackupAt, CancellationToken cancellationToken)
    {
        if (await _store.GetAsync<Volume>(volumeName, cancellationToken).ConfigureAwait(false) is { } own
            && own.Spec.BackupTargetName == target.Name && own.Status.LastBackup != lastBackup)
        {
            await _store.MutateAsync<Volume>(volumeName, v => v with { Status = v.Status with { LastBackup = lastBackup, LastBackupAt = lastBackupAt } },
                cancellationToken).ConfigureAwait(false);
        }
        if (lastBackup.Length == 0) return;
        var followers = await _store.ListAsync<Volume>(LabelSelector.Of((LonghornLabels.BackupTarget, target.Name),
            (LonghornLabels.BackupVolume, volumeName)), cancellationToken).ConfigureAwait(false);
        foreach (var standby in followers.Where(v => v.Spec.Standby && !v.IsDeleting))
        {
            var restore = standby.Status.RestoreStatus;
            if (restore is { LastRestored.Length: > 0 } && restore.LastRestored != lastBackup && !restore.IsRestoring)
                _work.Enqueue(WorkKind.Restore, standby.Name);
        }
    }

    private Backup Pulled(BackupTarget target, BackupVolume backupVolume, string volumeName, string name, BackupInfo info, DateTimeOffset now)
    {
        var labels = new Dictionary<string, string>(info.Labels ?? new Dictionary<string, string>(), StringComparer.Ordinal);
        labels.Remove("VolumeRecurringJobInfo");
        var specLabels = new Dictionary<string, string>();
        if (labels.TryGetValue(LonghornLabels.VolumeAccessMode, out var mode)) specLabels[LonghornLabels.VolumeAccessMode] = mode;
        return new Backup
        {
            Metadata = PulledMetadata(target, backupVolume, volumeName, name),
            Spec = new BackupSpec
            {
                Labels = specLabels,
                BackupMode = info.Parameters?.GetValueOrDefault(Longhorn.Engine.Format.BackupConfig.BackupModeParameter) ?? BackupModes.Incremental,
                BackupBlockSize = info.BlockSize is Longhorn.Engine.Format.BlockSizes.Default or Longhorn.Engine.Format.BlockSizes.Large
                    ? info.BlockSize.ToString(System.Globalization.CultureInfo.InvariantCulture)
                    : "-1",
            },
            Status = BackupStatuses.FromStore(info, target.Name, _host.InstanceId, now),
        };
    }

    /// <summary>A listed backup whose cfg gives no completed backup (yet): shown with its state and why.</summary>
    private Backup Unfinished(BackupTarget target, BackupStore backupStore, BackupVolume backupVolume, string volumeName, string name, string state,
        string messageKey, string message, DateTimeOffset now) => new()
    {
        Metadata = PulledMetadata(target, backupVolume, volumeName, name),
        Status = new BackupStatus
        {
            OwnerID = _host.InstanceId,
            State = state,
            Error = state == BackupStates.Error ? message : "",
            Url = backupStore.BackupUrlFor(volumeName, name),
            Messages = new Dictionary<string, string> { [messageKey] = message },
            VolumeName = volumeName,
            LastSyncedAt = now,
            BackupTargetName = target.Name,
        },
    };

    private static ObjectMeta PulledMetadata(BackupTarget target, BackupVolume backupVolume, string volumeName, string name) => new()
    {
        Name = name,
        Labels = new Dictionary<string, string>
        {
            [LonghornLabels.BackupTarget] = target.Name,
            [LonghornLabels.BackupVolume] = volumeName,
        },
        Finalizers = [LonghornLabels.Finalizer],
        OwnerReferences = [backupVolume.AsOwner()],
    };
}
