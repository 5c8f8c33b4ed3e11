using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Longhorn.Functions.Cluster;
using Longhorn.Functions.ControlPlane;
using Longhorn.Functions.ControlPlane.Backups;
using Longhorn.Functions.ControlPlane.RecurringJobs;
using Longhorn.Functions.ControlPlane.Volumes;
using Longhorn.Functions.Resources;

namespace Longhorn.Functions.Kubernetes;

/// <summary>
/// A Longhorn kind whose creation and deletion through the Kubernetes API go through the same control-plane service as
/// the HTTP functions, so defaults, validation (Longhorn's webhook rules) and the work that follows are the same.
/// </summary>
public interface IControlPlaneKind
{
    ApiKind Kind { get; }

    Task CreateAsync(JsonObject item, CancellationToken cancellationToken);

    Task DeleteAsync(string name, CancellationToken cancellationToken);
}

/// <summary>RecurringJob: <c>spec.name</c> defaults to the object's name, as Longhorn's mutator does.</summary>
public sealed class RecurringJobKind(RecurringJobService jobs) : IControlPlaneKind
{
    public ApiKind Kind => ApiKinds.RecurringJob;

    public async Task CreateAsync(JsonObject item, CancellationToken cancellationToken)
    {
        var spec = item["spec"] as JsonObject ?? new JsonObject();
        var request = spec.Deserialize<RecurringJobRequest>(Resources.Json.Options) ?? new RecurringJobRequest();
        var name = ObjectStore.Meta(item, "name");
        if (string.IsNullOrEmpty(request.Name)) request.Name = name;
        await jobs.SaveAsync(name, request, replace: false, cancellationToken).ConfigureAwait(false);
    }

    public Task DeleteAsync(string name, CancellationToken cancellationToken) => jobs.DeleteAsync(name, cancellationToken);
}

/// <summary>Volume: made (or restored from <c>spec.fromBackup</c>) as POST /api/volumes does.</summary>
public sealed class VolumeKind(VolumeService volumes) : IControlPlaneKind
{
    public ApiKind Kind => ApiKinds.Volume;

    public async Task CreateAsync(JsonObject item, CancellationToken cancellationToken)
    {
        var spec = item["spec"] as JsonObject ?? new JsonObject();
        var labels = item["metadata"]?["labels"] as JsonObject;
        var request = new VolumeRequest
        {
            Name = ObjectStore.Meta(item, "name"),
            Size = spec["size"] is { } size ? long.Parse(size.ToString(), NumberStyles.None, CultureInfo.InvariantCulture) : null,
            Labels = labels?.ToDictionary(p => p.Key, p => p.Value?.ToString() ?? "", StringComparer.Ordinal),
            BackupCompressionMethod = (string?)spec["backupCompressionMethod"],
            BackupBlockSize = spec["backupBlockSize"]?.ToString(),
            BackupTargetName = (string?)spec["backupTargetName"],
            FromBackup = (string?)spec["fromBackup"],
            StorageClassName = (string?)spec["storageClassName"],
            Standby = spec["Standby"] is JsonValue standby && standby.GetValueKind() == JsonValueKind.True,
        };
        await volumes.CreateAsync(request, cancellationToken).ConfigureAwait(false);
    }

    public Task DeleteAsync(string name, CancellationToken cancellationToken) => volumes.DeleteAsync(name, cancellationToken);
}

/// <summary>Backup: of <c>spec.snapshotName</c> (the volume from the snapshot, or the <c>backup-volume</c> label), taken as POST /api/volumes/{v}/backups does.</summary>
public sealed class BackupKind(BackupService backups, IResourceStore store) : IControlPlaneKind
{
    public ApiKind Kind => ApiKinds.Backup;

    public async Task CreateAsync(JsonObject item, CancellationToken cancellationToken)
    {
        var spec = item["spec"] as JsonObject ?? new JsonObject();
        var snapshotName = (string?)spec["snapshotName"];
        var volume = (string?)item["metadata"]?["labels"]?[LonghornLabels.BackupVolume];
        if (!string.IsNullOrEmpty(snapshotName) && await store.GetAsync<Snapshot>(snapshotName, cancellationToken).ConfigureAwait(false) is { } snapshot)
            volume = snapshot.Spec.Volume;
        if (string.IsNullOrEmpty(volume))
            throw ControlPlaneException.Invalid("spec.snapshotName", "a backup needs spec.snapshotName naming a snapshot, or the backup-volume label naming its volume");
        var labels = (spec["labels"] as JsonObject)?.ToDictionary(p => p.Key, p => p.Value?.ToString() ?? "", StringComparer.Ordinal);
        await backups.CreateAsync(volume, snapshotName, labels, (string?)spec["backupMode"], cancellationToken, ObjectStore.Meta(item, "name"))
            .ConfigureAwait(false);
    }

    public async Task DeleteAsync(string name, CancellationToken cancellationToken) => await backups.DeleteAsync(name, cancellationToken).ConfigureAwait(false);
}

/// <summary>SystemBackup: the seed's manifest starts a system backup as POST /api/systembackups does (the policy defaults to if-not-present).</summary>
public sealed class SystemBackupKind(ControlPlane.SystemBackups.SystemBackupService systemBackups) : IControlPlaneKind
{
    public ApiKind Kind => ApiKinds.SystemBackup;

    public async Task CreateAsync(JsonObject item, CancellationToken cancellationToken)
    {
        var labels = (item["metadata"]?["labels"] as JsonObject)?.ToDictionary(p => p.Key, p => p.Value?.ToString() ?? "", StringComparer.Ordinal);
        await systemBackups.CreateAsync(ObjectStore.Meta(item, "name"), (string?)item["spec"]?["volumeBackupPolicy"], labels, cancellationToken)
            .ConfigureAwait(false);
    }

    public async Task DeleteAsync(string name, CancellationToken cancellationToken) => await systemBackups.DeleteAsync(name, cancellationToken).ConfigureAwait(false);
}

/// <summary>SystemRestore: restores the named system backup as POST /api/systemrestores does.</summary>
public sealed class SystemRestoreKind(ControlPlane.SystemRestores.SystemRestoreService restores) : IControlPlaneKind
{
    public ApiKind Kind => ApiKinds.SystemRestore;

    public async Task CreateAsync(JsonObject item, CancellationToken cancellationToken) =>
        await restores.CreateAsync(ObjectStore.Meta(item, "name"), (string?)item["spec"]?["systemBackup"], cancellationToken).ConfigureAwait(false);

    public Task DeleteAsync(string name, CancellationToken cancellationToken) => restores.DeleteAsync(name, cancellationToken);
}
