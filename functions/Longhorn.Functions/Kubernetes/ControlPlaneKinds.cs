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
/// A Longhorn kind whose creation through the Kubernetes API goes through the same control-plane service as the HTTP
/// functions, so defaults, validation (Longhorn's webhook rules) and the work that follows are the same.
/// </summary>
public interface IControlPlaneCreation
{
    ApiKind Kind { get; }

    Task CreateAsync(JsonObject item, CancellationToken cancellationToken);
}

/// <summary>A Longhorn kind whose deletion through the Kubernetes API is the control plane's (refusals, store cleanup, finalizers).</summary>
public interface IControlPlaneDeletion
{
    ApiKind Kind { get; }

    Task DeleteAsync(string name, CancellationToken cancellationToken);
}

/// <summary>A Longhorn kind whose spec changes through the Kubernetes API (update, patch, apply, edit) the control plane checks and acts on.</summary>
public interface IControlPlaneUpdate
{
    ApiKind Kind { get; }

    /// <summary>Longhorn's webhook rules for the changed object; throws <see cref="ControlPlaneException"/> to refuse it.</summary>
    Task AdmitAsync(JsonObject item, CancellationToken cancellationToken);

    /// <summary>The work that follows a stored change.</summary>
    Task UpdatedAsync(JsonObject previous, JsonObject stored, CancellationToken cancellationToken);
}

/// <summary>A kind the control plane both creates and deletes.</summary>
public interface IControlPlaneKind : IControlPlaneCreation, IControlPlaneDeletion
{
    new ApiKind Kind { get; }

    ApiKind IControlPlaneCreation.Kind => Kind;

    ApiKind IControlPlaneDeletion.Kind => Kind;
}

public static class ControlPlaneKindRegistration
{
    /// <summary>Registers <typeparamref name="T"/> once, as each of the creation and deletion roles it plays.</summary>
    public static IServiceCollection AddControlPlaneKind<T>(this IServiceCollection services) where T : class
    {
        services.AddSingleton<T>();
        if (typeof(IControlPlaneCreation).IsAssignableFrom(typeof(T)))
            services.AddSingleton(sp => (IControlPlaneCreation)sp.GetRequiredService<T>());
        if (typeof(IControlPlaneUpdate).IsAssignableFrom(typeof(T)))
            services.AddSingleton(sp => (IControlPlaneUpdate)sp.GetRequiredService<T>());
        if (typeof(IControlPlaneDeletion).IsAssignableFrom(typeof(T)))
            services.AddSingleton(sp => (IControlPlaneDeletion)sp.GetRequiredService<T>());
        return services;
    }
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
            DataSource = (string?)spec["dataSource"],
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

/// <summary>BackupTarget: created as PUT /api/backuptargets/{name} does (URL and secret checked); deleted only when unused and not the default.</summary>
public sealed class BackupTargetKind(ControlPlane.Targets.BackupTargetService targets) : IControlPlaneKind, IControlPlaneUpdate
{
    public ApiKind Kind => ApiKinds.BackupTarget;

    public async Task CreateAsync(JsonObject item, CancellationToken cancellationToken) =>
        await targets.PutAsync(ObjectStore.Meta(item, "name") ?? "", SpecOf(item), resourceVersion: null, cancellationToken, createOnly: true)
            .ConfigureAwait(false);

    public Task AdmitAsync(JsonObject item, CancellationToken cancellationToken) =>
        targets.ValidateAsync(ObjectStore.Meta(item, "name") ?? "", SpecOf(item), cancellationToken);

    /// <summary>A new URL, secret or poll interval is probed and synced at once, as Longhorn's backup target controller does.</summary>
    public Task UpdatedAsync(JsonObject previous, JsonObject stored, CancellationToken cancellationToken)
    {
        var before = SpecOf(previous) with { SyncRequestedAt = null };
        if (before != SpecOf(stored) with { SyncRequestedAt = null }) targets.Changed(ObjectStore.Meta(stored, "name") ?? "");
        return Task.CompletedTask;
    }

    public Task DeleteAsync(string name, CancellationToken cancellationToken) => targets.DeleteAsync(name, cancellationToken);

    private static BackupTargetSpec SpecOf(JsonObject item) =>
        (item["spec"] as JsonObject ?? new JsonObject()).Deserialize<BackupTargetSpec>(Resources.Json.Options) ?? new BackupTargetSpec();
}

/// <summary>BackupVolume: deleting it deletes its backups from the store, as DELETE /api/backupvolumes/{name} does.</summary>
public sealed class BackupVolumeKind(ControlPlane.Targets.BackupVolumeService backupVolumes) : IControlPlaneDeletion
{
    public ApiKind Kind => ApiKinds.BackupVolume;

    public async Task DeleteAsync(string name, CancellationToken cancellationToken) => await backupVolumes.DeleteAsync(name, cancellationToken).ConfigureAwait(false);
}

/// <summary>Snapshot: created on <c>spec.volume</c> and deleted from its replica, as the snapshot functions do.</summary>
public sealed class SnapshotKind(SnapshotService snapshots, IResourceStore store) : IControlPlaneKind
{
    public ApiKind Kind => ApiKinds.Snapshot;

    public async Task CreateAsync(JsonObject item, CancellationToken cancellationToken)
    {
        var volume = (string?)item["spec"]?["volume"];
        if (string.IsNullOrEmpty(volume)) throw ControlPlaneException.Invalid("spec.volume", "a snapshot needs spec.volume naming its volume");
        var labels = (item["spec"]?["labels"] as JsonObject)?.ToDictionary(p => p.Key, p => p.Value?.ToString() ?? "", StringComparer.Ordinal);
        await snapshots.CreateAsync(volume, ObjectStore.Meta(item, "name"), labels, cancellationToken).ConfigureAwait(false);
    }

    public async Task DeleteAsync(string name, CancellationToken cancellationToken)
    {
        var snapshot = await store.GetAsync<Snapshot>(name, cancellationToken).ConfigureAwait(false)
            ?? throw ControlPlaneException.NotFound("name", $"snapshot {name} not found");
        await snapshots.DeleteAsync(snapshot.Spec.Volume, name, cancellationToken).ConfigureAwait(false);
    }
}

/// <summary>
/// Setting: only Longhorn's settings with valid values (PUT /api/settings/{name}); deleting one puts its default back,
/// as Longhorn's manager recreates a missing setting.
/// </summary>
public sealed class SettingKind(ControlPlane.Settings.LonghornSettings settings) : IControlPlaneKind
{
    public ApiKind Kind => ApiKinds.Setting;

    public async Task CreateAsync(JsonObject item, CancellationToken cancellationToken) =>
        await settings.SetAsync(ObjectStore.Meta(item, "name") ?? "", item["value"]?.ToString() ?? "", cancellationToken).ConfigureAwait(false);

    public Task DeleteAsync(string name, CancellationToken cancellationToken) => settings.ResetAsync(name, cancellationToken);
}

/// <summary>EngineImage: the default engine image (the one the install runs) cannot be deleted, as Longhorn's webhook refuses it.</summary>
public sealed class EngineImageKind(ObjectStore objects) : IControlPlaneDeletion
{
    public ApiKind Kind => ApiKinds.EngineImage;

    public async Task DeleteAsync(string name, CancellationToken cancellationToken)
    {
        var image = await objects.GetAsync(Kind, ObjectMeta.LonghornNamespace, name, cancellationToken).ConfigureAwait(false)
            ?? throw ControlPlaneException.NotFound("name", $"engine image {name} not found");
        if ((string?)image["spec"]?["image"] == Longhorn.Simulator.Cluster.DefaultLonghornInstall.EngineImage)
            throw ControlPlaneException.Invalid("name", $"unable to delete the default engine image {name}");
        await objects.DeleteAsync(Kind, ObjectMeta.LonghornNamespace, name, cancellationToken, null, "Background").ConfigureAwait(false);
    }
}
