using Longhorn.Functions.ControlPlane.Settings;
using Longhorn.Functions.Resources;
using Longhorn.Simulator.Replicas;

namespace Longhorn.Functions.ControlPlane.Volumes;

/// <summary>Snapshots of simulated volumes: the replica's snapshot and its Snapshot resource, kept in step.</summary>
public sealed class SnapshotService(IResourceStore store, ReplicaRegistry replicas, LonghornSettings settings, HostIdentity host, TimeProvider time)
{
    public async Task<Snapshot> CreateAsync(string volumeName, string? name, IReadOnlyDictionary<string, string>? labels, CancellationToken cancellationToken)
    {
        var volume = await store.GetWritableVolumeAsync(volumeName, "snapshot", cancellationToken).ConfigureAwait(false);
        name = string.IsNullOrEmpty(name) ? ResourceNames.Generate("snap") : name;
        ResourceNames.Validate(name, "name");
        ResourceNames.ValidateLabels(labels, "labels");
        var max = await settings.GetIntAsync(SettingDefinitions.SnapshotMaxCount, cancellationToken).ConfigureAwait(false);
        var replica = replicas.Get(volume.Name);
        if (replica.ListSnapshots().Count(s => !s.Removed) >= max)
            throw ControlPlaneException.Conflict("name", $"volume {volumeName} already has {max} snapshots (snapshot-max-count); delete some first");
        var specLabels = labels ?? new Dictionary<string, string>();
        var snapshot = await store.CreateAsync(new Snapshot
        {
            Metadata = new ObjectMeta
            {
                Name = name,
                Labels = new Dictionary<string, string> { [LonghornLabels.SnapshotVolume] = volumeName },
                Finalizers = [],
            },
            Spec = new SnapshotSpec { Volume = volumeName, CreateSnapshot = true, Labels = specLabels },
            Status = new SnapshotStatus { OwnerID = host.InstanceId, RequestedTime = Timestamp(), UserCreated = true },
        }, cancellationToken).ConfigureAwait(false);
        try
        {
            await replica.CreateSnapshotAsync(name, userCreated: true, specLabels, cancellationToken).ConfigureAwait(false);
        }
        catch (ReplicaException e)
        {
            await store.DeleteAsync<Snapshot>(name, CancellationToken.None).ConfigureAwait(false);
            throw ControlPlaneException.Conflict("name", $"cannot create snapshot {name} of volume {volumeName}: {e.Message}");
        }
        await RefreshAsync(volumeName, cancellationToken).ConfigureAwait(false);
        return await store.GetRequiredAsync<Snapshot>(snapshot.Name, cancellationToken).ConfigureAwait(false);
    }

    public async Task<IReadOnlyList<Snapshot>> ListAsync(string volumeName, CancellationToken cancellationToken)
    {
        await store.GetVolumeAsync(volumeName, cancellationToken).ConfigureAwait(false);
        return await store.ListAsync<Snapshot>(LabelSelector.Of((LonghornLabels.SnapshotVolume, volumeName)), cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Deletes the snapshot from the replica (mark removed, purge) and its resource; 409 while a backup still reads it.</summary>
    public async Task DeleteAsync(string volumeName, string name, CancellationToken cancellationToken)
    {
        var volume = await store.GetVolumeAsync(volumeName, cancellationToken).ConfigureAwait(false);
        var snapshot = await store.GetAsync<Snapshot>(name, cancellationToken).ConfigureAwait(false);
        if (snapshot is null || snapshot.Spec.Volume != volumeName)
            throw ControlPlaneException.NotFound("snapshot", $"snapshot {name} of volume {volumeName} not found");
        var backups = await store.ListAsync<Backup>(LabelSelector.Of((LonghornLabels.BackupVolume, volumeName)), cancellationToken).ConfigureAwait(false);
        if (backups.FirstOrDefault(b => b.Spec.SnapshotName == name && !BackupStates.IsFinal(b.Status.State)) is { } busy)
            throw ControlPlaneException.Conflict("snapshot", $"snapshot {name} is being backed up by {busy.Name}; delete it when the backup has finished");
        var replica = replicas.Get(volume.Name);
        if (replica.ListSnapshots().Any(s => s.Name == name))
            await replica.DeleteSnapshotAsync(name, cancellationToken).ConfigureAwait(false);
        await store.DeleteAsync<Snapshot>(name, cancellationToken).ConfigureAwait(false);
        await RefreshAsync(volumeName, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Copies the replica's view (parent, children, removed, creation time) into the volume's Snapshot resources. Only a
    /// snapshot whose view changed is written: a new snapshot touches itself and its parent, not every one the volume has.
    /// </summary>
    public async Task RefreshAsync(string volumeName, CancellationToken cancellationToken)
    {
        var info = replicas.Get(volumeName).ListSnapshots().ToDictionary(s => s.Name, StringComparer.Ordinal);
        var volumeSize = (await store.GetAsync<Volume>(volumeName, cancellationToken).ConfigureAwait(false))?.Spec.Size ?? 0;
        foreach (var snapshot in await store.ListAsync<Snapshot>(LabelSelector.Of((LonghornLabels.SnapshotVolume, volumeName)), cancellationToken)
                     .ConfigureAwait(false))
        {
            if (!info.TryGetValue(snapshot.Name, out var s) || Same(snapshot.Status, StatusOf(snapshot.Status, s, volumeSize))) continue;
            await store.MutateAsync<Snapshot>(snapshot.Name, r =>
            {
                var status = StatusOf(r.Status, s, volumeSize);
                return Same(r.Status, status) ? null : r with { Status = status };
            }, cancellationToken).ConfigureAwait(false);
        }
    }

    private static bool Same(SnapshotStatus a, SnapshotStatus b) =>
        a with { Children = b.Children, Labels = b.Labels } == b && Entries.Same(a.Children, b.Children) && Entries.Same(a.Labels, b.Labels);

    /// <summary>The replica's view; <c>restoreSize</c> is the volume's size, what a volume restored from the snapshot has (as Longhorn reports it).</summary>
    private static SnapshotStatus StatusOf(SnapshotStatus status, SnapshotInfo s, long volumeSize) => status with
    {
        RestoreSize = volumeSize,
        Parent = s.Parent,
        Children = s.Children.ToDictionary(c => c, _ => true),
        MarkRemoved = s.Removed,
        UserCreated = s.UserCreated,
        CreationTime = s.Created,
        Labels = s.Labels,
        ReadyToUse = !s.Removed,
    };

    private string Timestamp() => time.GetUtcNow().UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", System.Globalization.CultureInfo.InvariantCulture);
}
