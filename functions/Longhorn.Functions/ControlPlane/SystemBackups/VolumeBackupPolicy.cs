using Longhorn.Functions.ControlPlane.Backups;
using Longhorn.Functions.ControlPlane.Volumes;
using Longhorn.Functions.ControlPlane.Work;
using Longhorn.Functions.Resources;

namespace Longhorn.Functions.ControlPlane.SystemBackups;

/// <summary>
/// A system backup's volume backup policy (BackupVolumes): <c>always</c> backs up every volume, <c>if-not-present</c>
/// those without an up-to-date last backup (taking the snapshot first either way, as Longhorn does), <c>disabled</c>
/// none; standby volumes are skipped. Waits until every backup is Completed and is its volume's last backup.
/// </summary>
public sealed class VolumeBackupPolicy(IResourceStore store, SnapshotService snapshots, BackupService backups, ReplicaRegistry replicas, WorkQueue work,
    ILogger<VolumeBackupPolicy> logger)
{
    public async Task ApplyAsync(SystemBackup systemBackup, CancellationToken cancellationToken)
    {
        var policy = systemBackup.Spec.VolumeBackupPolicy;
        if (policy == VolumeBackupPolicies.Disabled) return;
        var made = new List<string>();
        foreach (var volume in await store.ListAsync<Volume>(null, cancellationToken).ConfigureAwait(false))
        {
            // Standby volumes follow backups; restoring ones have no data of their own to back up yet.
            if (volume.IsDeleting || volume.Spec.Standby || volume.Status.RestoreRequired) continue;
            var snapshot = await SnapshotOfAsync(systemBackup.Name, volume.Name, cancellationToken).ConfigureAwait(false)
                           ?? await snapshots.CreateAsync(volume.Name, ResourceNames.Generate(SystemBackupLabels.NamePrefix),
                               new Dictionary<string, string> { [SystemBackupLabels.Snapshot] = systemBackup.Name }, cancellationToken).ConfigureAwait(false);
            if (await store.GetAsync<Backup>(snapshot.Name, cancellationToken).ConfigureAwait(false) is not null)
            {
                made.Add(snapshot.Name);
                continue;
            }
            if (policy == VolumeBackupPolicies.IfNotPresent && await IsUpToDateAsync(volume, cancellationToken).ConfigureAwait(false))
            {
                logger.LogInformation("System backup {SystemBackup}: volume {Volume} has an up-to-date backup {Backup}", systemBackup.Name, volume.Name,
                    volume.Status.LastBackup);
                continue;
            }
            var backup = await backups.CreateAsync(volume.Name, snapshot.Name, null, null, cancellationToken, name: snapshot.Name).ConfigureAwait(false);
            logger.LogInformation("System backup {SystemBackup}: backing up volume {Volume} as {Backup}", systemBackup.Name, volume.Name, backup.Name);
            made.Add(backup.Name);
        }
        await WaitAsync(made, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// isVolumeBackupUpToDate: the volume has a last backup whose Backup and Snapshot exist, and no snapshot holding
    /// data was taken after that snapshot (by the live chain, so it holds at any clock resolution).
    /// </summary>
    private async Task<bool> IsUpToDateAsync(Volume volume, CancellationToken cancellationToken)
    {
        if (volume.Status.LastBackup.Length == 0) return false;
        var last = await store.GetAsync<Backup>(volume.Status.LastBackup, cancellationToken).ConfigureAwait(false);
        var snapshotName = last?.Spec.SnapshotName is { Length: > 0 } s ? s : last?.Status.SnapshotName ?? "";
        if (last is null || snapshotName.Length == 0 || await store.GetAsync<Snapshot>(snapshotName, cancellationToken).ConfigureAwait(false) is null)
            return false;
        var replica = replicas.Get(volume.Name);
        var chain = replica.LiveChain;
        // Longhorn's layer file names (volume-snap-<name>.img, volume-head-NNN.img).
        var at = chain.ToList().IndexOf($"volume-snap-{snapshotName}.img");
        if (at < 0) return false;
        return chain.Take(at).Where(disk => !disk.StartsWith("volume-head-", StringComparison.Ordinal)).All(disk => replica.GetAllocatedExtents(disk).Sum(e => e.Length) == 0);
    }

    private async Task<Snapshot?> SnapshotOfAsync(string systemBackup, string volumeName, CancellationToken cancellationToken)
    {
        var all = await store.ListAsync<Snapshot>(LabelSelector.Of((LonghornLabels.SnapshotVolume, volumeName)), cancellationToken).ConfigureAwait(false);
        return all.FirstOrDefault(s => s.Spec.Labels.GetValueOrDefault(SystemBackupLabels.Snapshot) == systemBackup && !s.Status.MarkRemoved);
    }

    /// <summary>Done when each backup is Completed and its volume's last backup; an Error or a vanished backup fails the system backup.</summary>
    private async Task WaitAsync(IReadOnlyList<string> names, CancellationToken cancellationToken)
    {
        var pending = names.ToHashSet(StringComparer.Ordinal);
        while (pending.Count > 0)
        {
            var changed = work.WaitForChangeAsync(cancellationToken);
            foreach (var name in pending.ToList())
            {
                var backup = await store.GetAsync<Backup>(name, cancellationToken).ConfigureAwait(false);
                if (backup is null || backup.IsDeleting || backup.Status.State is BackupStates.Error or BackupStates.Unknown)
                    throw new SystemBackupException($"volume backup {name} failed: {backup?.Status.Error ?? "it was deleted"}");
                if (backup.Status.State != BackupStates.Completed) continue;
                var volume = await store.GetAsync<Volume>(backup.Status.VolumeName, cancellationToken).ConfigureAwait(false);
                if (volume is null || volume.Status.LastBackup == name) pending.Remove(name);
            }
            if (pending.Count == 0) break;
            try
            {
                // A finished work item wakes the wait; the timeout covers backups another host's sync completes.
                await changed.WaitAsync(TimeSpan.FromSeconds(1), cancellationToken).ConfigureAwait(false);
            }
            catch (TimeoutException)
            {
            }
        }
    }
}

/// <summary>A system backup or restore step failed for a reason its condition reports.</summary>
public sealed class SystemBackupException(string message, Exception? inner = null) : Exception(message, inner);
