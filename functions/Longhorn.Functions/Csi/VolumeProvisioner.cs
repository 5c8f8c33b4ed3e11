using System.Text.Json.Nodes;
using Longhorn.Functions.Cluster;
using Longhorn.Functions.ControlPlane;
using Longhorn.Functions.ControlPlane.Volumes;
using Longhorn.Functions.Resources;

namespace Longhorn.Functions.Csi;

/// <summary>
/// What csi-provisioner and Longhorn's CSI plugin do for PersistentVolumeClaims (spec/control-plane.md §3): a claim of a
/// StorageClass whose provisioner is <c>driver.longhorn.io</c> gets a Longhorn Volume <c>pvc-&lt;claim uid&gt;</c> (size
/// rounded up to 2 MiB, the class's parameters and recurring jobs applied) and a PersistentVolume bound to it; deleting
/// the claim deletes both under the class's <c>Delete</c> reclaim policy, or releases the PV under <c>Retain</c>. Events
/// on the claim say what happened and why it failed. Watches the cluster's object store, so kubectl and the HTTP
/// functions are served alike.
/// </summary>
public sealed class VolumeProvisioner(ObjectStore objects, IResourceStore store, VolumeService volumes, TimeProvider time,
    ILogger<VolumeProvisioner> logger) : BackgroundService
{
    public const string Driver = StorageClass.LonghornProvisioner;
    private const long TwoMiB = 2 * 1024 * 1024;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var from = objects.CurrentVersion;
        var changes = objects.Watch(from, stoppingToken);
        var pending = await objects.ListAsync(ApiKinds.PersistentVolumeClaim, null, null, null, 0, null, stoppingToken).ConfigureAwait(false);
        foreach (var claim in pending.Items) await HandleAsync(WatchEventType.Added, claim, stoppingToken).ConfigureAwait(false);
        try
        {
            await foreach (var change in changes.ReadAllAsync(stoppingToken).ConfigureAwait(false))
            {
                if (change.Kind == ApiKinds.PersistentVolumeClaim && change.Type == WatchEventType.Deleted)
                    await HandleAsync(change.Type, change.Object, stoppingToken).ConfigureAwait(false);
                else if (change.Kind == ApiKinds.PersistentVolumeClaim || change.Kind == ApiKinds.VolumeSnapshot
                         || (change.Kind == ApiKinds.Volume && (ObjectStore.Meta(change.Object, "name") ?? "").StartsWith("pvc-", StringComparison.Ordinal)))
                {
                    // A claim may wait on its VolumeSnapshot becoming ready or its restore finishing: look at every unbound one.
                    var claims = await objects.ListAsync(ApiKinds.PersistentVolumeClaim, null, null, null, 0, null, stoppingToken).ConfigureAwait(false);
                    foreach (var claim in claims.Items.Where(c => (string?)c["status"]?["phase"] != "Bound"))
                        await HandleAsync(WatchEventType.Modified, claim, stoppingToken).ConfigureAwait(false);
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    /// <summary>One claim's change; a failure is reported on the claim and never stops the others.</summary>
    private async Task HandleAsync(WatchEventType type, JsonObject claim, CancellationToken cancellationToken)
    {
        try
        {
            if (type == WatchEventType.Deleted) await ReleaseAsync(claim, cancellationToken).ConfigureAwait(false);
            else await ProvisionAsync(claim, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (ExpectedFailure.Is(e) || e is ObjectStoreException)
        {
            logger.LogWarning("Provisioning claim {Namespace}/{Claim} failed: {Error}", ObjectStore.Meta(claim, "namespace"), ObjectStore.Meta(claim, "name"), e.Message);
            await EventAsync(claim, "Warning", "ProvisioningFailed", $"failed to provision volume with StorageClass \"{(string?)claim["spec"]?["storageClassName"]}\": {e.Message}",
                cancellationToken).ConfigureAwait(false);
        }
    }

    private async Task ProvisionAsync(JsonObject claim, CancellationToken cancellationToken)
    {
        if (claim["metadata"]?["deletionTimestamp"] is not null || (string?)claim["status"]?["phase"] == "Bound") return;
        if ((string?)claim["spec"]?["volumeName"] is { Length: > 0 }) return;
        var className = (string?)claim["spec"]?["storageClassName"];
        if (string.IsNullOrEmpty(className)) return;
        var storageClass = await store.GetAsync<StorageClass>(className, cancellationToken).ConfigureAwait(false);
        var @namespace = ObjectStore.Meta(claim, "namespace")!;
        var name = ObjectStore.Meta(claim, "name")!;
        if (storageClass is null)
        {
            await EventAsync(claim, "Warning", "ProvisioningFailed", $"storageclass.storage.k8s.io \"{className}\" not found", cancellationToken).ConfigureAwait(false);
            return;
        }
        if (storageClass.Provisioner != Driver)
        {
            await EventAsync(claim, "Normal", "ExternalProvisioning",
                $"Waiting for a volume to be created either by the external provisioner '{storageClass.Provisioner}' or manually by the system administrator. This claim is not Longhorn's (provisioner {Driver}).",
                cancellationToken).ConfigureAwait(false);
            return;
        }
        var requested = (string?)claim["spec"]?["resources"]?["requests"]?["storage"];
        var bytes = Quantity.ParseBytes(requested);
        if (bytes is null or <= 0)
            throw ControlPlaneException.Invalid("spec.resources.requests.storage", $"the requested storage \"{requested}\" is not a positive quantity");
        var size = (bytes.Value + TwoMiB - 1) / TwoMiB * TwoMiB;
        var volumeName = "pvc-" + ObjectStore.Meta(claim, "uid");
        var existing = await store.GetAsync<Volume>(volumeName, cancellationToken).ConfigureAwait(false);
        if (existing is null)
        {
            var fromBackup = storageClass.Parameters.GetValueOrDefault("fromBackup");
            string? clone = null;
            if (claim["spec"]?["dataSource"] is JsonObject dataSource)
            {
                var source = await SourceOfDataSourceAsync(claim, dataSource, size, cancellationToken).ConfigureAwait(false);
                if (source is null) return;
                (fromBackup, clone) = source.Value;
            }
            await EventAsync(claim, "Normal", "Provisioning", $"External provisioner is provisioning volume for claim \"{@namespace}/{name}\"", cancellationToken)
                .ConfigureAwait(false);
            existing = await volumes.CreateAsync(new VolumeRequest
            {
                Name = volumeName,
                Size = string.IsNullOrEmpty(fromBackup) ? size : null,
                StorageClassName = className,
                FromBackup = string.IsNullOrEmpty(fromBackup) ? null : fromBackup,
                DataSource = clone,
            }, cancellationToken).ConfigureAwait(false);
        }
        // A restored volume is bound once its data is all there, as ControllerPublishVolume waits for it.
        if (existing.Status.RestoreStatus is { State: "error" } failed)
            throw ControlPlaneException.Invalid("dataSource", $"restoring volume {volumeName} failed: {failed.Error}");
        if (existing.Spec.FromBackup.Length > 0 && existing.Status.RestoreStatus is not { State: "complete" }) return;
        size = Math.Max(size, existing.Spec.Size);
        var accessModes = claim["spec"]?["accessModes"]?.DeepClone() ?? new JsonArray("ReadWriteOnce");
        var capacity = Quantity.Format(size);
        var volume = new JsonObject
        {
            ["metadata"] = new JsonObject
            {
                ["name"] = volumeName,
                ["annotations"] = new JsonObject { ["pv.kubernetes.io/provisioned-by"] = Driver },
                ["finalizers"] = new JsonArray("kubernetes.io/pv-protection"),
            },
            ["spec"] = new JsonObject
            {
                ["capacity"] = new JsonObject { ["storage"] = capacity },
                ["accessModes"] = accessModes.DeepClone(),
                ["persistentVolumeReclaimPolicy"] = storageClass.ReclaimPolicy,
                ["storageClassName"] = className,
                ["volumeMode"] = (string?)claim["spec"]?["volumeMode"] ?? "Filesystem",
                ["claimRef"] = new JsonObject
                {
                    ["kind"] = "PersistentVolumeClaim", ["apiVersion"] = "v1", ["namespace"] = @namespace, ["name"] = name,
                    ["uid"] = ObjectStore.Meta(claim, "uid"),
                },
                ["csi"] = new JsonObject
                {
                    ["driver"] = Driver,
                    ["volumeHandle"] = volumeName,
                    ["fsType"] = storageClass.Parameters.GetValueOrDefault("fsType") ?? "ext4",
                    ["volumeAttributes"] = new JsonObject(storageClass.Parameters.Select(p => KeyValuePair.Create(p.Key, (JsonNode?)JsonValue.Create(p.Value)))),
                },
            },
            ["status"] = new JsonObject { ["phase"] = "Bound" },
        };
        if (await objects.GetAsync(ApiKinds.PersistentVolume, "", volumeName, cancellationToken).ConfigureAwait(false) is null)
            await objects.CreateAsync(ApiKinds.PersistentVolume, volume, cancellationToken).ConfigureAwait(false);

        var bound = claim.DeepClone().AsObject();
        var metadata = ObjectStore.MetadataOf(bound);
        var annotations = metadata["annotations"] as JsonObject ?? new JsonObject();
        annotations["pv.kubernetes.io/bind-completed"] = "yes";
        annotations["pv.kubernetes.io/bound-by-controller"] = "yes";
        annotations["volume.kubernetes.io/storage-provisioner"] = Driver;
        metadata["annotations"] = annotations;
        bound["spec"]!["volumeName"] = volumeName;
        bound["status"] = new JsonObject { ["phase"] = "Bound", ["accessModes"] = accessModes, ["capacity"] = new JsonObject { ["storage"] = capacity } };
        await objects.UpdateAsync(ApiKinds.PersistentVolumeClaim, bound, cancellationToken).ConfigureAwait(false);
        await EventAsync(claim, "Normal", "ProvisioningSucceeded", $"Successfully provisioned volume {volumeName}", cancellationToken).ConfigureAwait(false);
        logger.LogInformation("Provisioned volume {Volume} ({Size} bytes) for claim {Namespace}/{Claim}", volumeName, size, @namespace, name);
    }

    /// <summary>
    /// Where a claim's <c>dataSource</c> takes its data from, as csi-provisioner and Longhorn's CreateVolume do: a ready
    /// VolumeSnapshot of a backup (<c>fromBackup</c>, the backup's URL) or of an in-cluster snapshot (a <c>snap://</c>
    /// clone), whose restore size equals the request (seed 003's rule); or another claim of the same size in the same
    /// namespace (a <c>vol://</c> clone). Null, with an event saying why, when it cannot (yet).
    /// </summary>
    private async Task<(string? FromBackup, string? DataSource)?> SourceOfDataSourceAsync(JsonObject claim, JsonObject dataSource, long size,
        CancellationToken cancellationToken)
    {
        var kind = (string?)dataSource["kind"];
        var sourceName = (string?)dataSource["name"] ?? "";
        var @namespace = ObjectStore.Meta(claim, "namespace")!;
        if (kind == "PersistentVolumeClaim" && string.IsNullOrEmpty((string?)dataSource["apiGroup"]))
        {
            var source = await objects.GetAsync(ApiKinds.PersistentVolumeClaim, @namespace, sourceName, cancellationToken).ConfigureAwait(false);
            if (source is null)
            {
                await EventAsync(claim, "Warning", "ProvisioningFailed", $"persistentvolumeclaims \"{sourceName}\" not found", cancellationToken).ConfigureAwait(false);
                return null;
            }
            if ((string?)source["status"]?["phase"] != "Bound") return null;
            var volumeName = (string?)source["spec"]?["volumeName"] ?? "";
            var volume = await objects.GetAsync(ApiKinds.PersistentVolume, "", volumeName, cancellationToken).ConfigureAwait(false);
            if ((string?)volume?["spec"]?["csi"]?["driver"] != Driver)
            {
                await EventAsync(claim, "Warning", "ProvisioningFailed", $"the source claim {sourceName} is not a Longhorn volume (driver {Driver}): it cannot be cloned",
                    cancellationToken).ConfigureAwait(false);
                return null;
            }
            var sourceSize = Quantity.ParseBytes((string?)source["status"]?["capacity"]?["storage"]) ?? 0;
            if (sourceSize != size)
            {
                await EventAsync(claim, "Warning", "ProvisioningFailed",
                    $"the requested size {Quantity.Format(size)} differs from the size {Quantity.Format(sourceSize)} of the source claim {sourceName}: a clone must be the same size as its source",
                    cancellationToken).ConfigureAwait(false);
                return null;
            }
            return (null, "vol://" + (string?)volume!["spec"]!["csi"]!["volumeHandle"]);
        }
        if (kind != "VolumeSnapshot" || (string?)dataSource["apiGroup"] != "snapshot.storage.k8s.io")
        {
            await EventAsync(claim, "Warning", "ProvisioningFailed",
                $"data source {kind} {sourceName} is not supported: a claim restores a VolumeSnapshot (apiGroup snapshot.storage.k8s.io) or clones a PersistentVolumeClaim",
                cancellationToken).ConfigureAwait(false);
            return null;
        }
        var snapshot = await objects.GetAsync(ApiKinds.VolumeSnapshot, @namespace, sourceName, cancellationToken).ConfigureAwait(false);
        if (snapshot is null)
        {
            await EventAsync(claim, "Warning", "ProvisioningFailed", $"volumesnapshots.snapshot.storage.k8s.io \"{sourceName}\" not found", cancellationToken).ConfigureAwait(false);
            return null;
        }
        if ((bool?)snapshot["status"]?["readyToUse"] != true) return null;
        var content = await objects.GetAsync(ApiKinds.VolumeSnapshotContent, "", (string?)snapshot["status"]?["boundVolumeSnapshotContentName"] ?? "", cancellationToken)
            .ConfigureAwait(false);
        var handle = SnapshotHandle.Parse((string?)content?["status"]?["snapshotHandle"]);
        var restoreSize = (long?)content?["status"]?["restoreSize"] ?? 0;
        if (restoreSize != size)
        {
            await EventAsync(claim, "Warning", "ProvisioningFailed",
                $"the requested size {Quantity.Format(size)} differs from the size {Quantity.Format(restoreSize)} of VolumeSnapshot {sourceName}: spec.resources.requests.storage must be the same as the size of the VolumeSnapshot",
                cancellationToken).ConfigureAwait(false);
            return null;
        }
        if (handle.Type == SnapshotHandle.Snapshot) return (null, handle.ToString());
        var backup = await store.GetAsync<Backup>(handle.Name, cancellationToken).ConfigureAwait(false);
        if (backup is null || backup.Status.Url.Length == 0)
        {
            await EventAsync(claim, "Warning", "ProvisioningFailed", $"backup {handle.Name} of volume {handle.Volume} not found", cancellationToken).ConfigureAwait(false);
            return null;
        }
        return (backup.Status.Url, null);
    }

    /// <summary>A deleted claim's volume goes with it under the Delete policy; under Retain its PV is Released and the data kept.</summary>
    private async Task ReleaseAsync(JsonObject claim, CancellationToken cancellationToken)
    {
        var volumeName = (string?)claim["spec"]?["volumeName"];
        if (string.IsNullOrEmpty(volumeName)) return;
        var volume = await objects.GetAsync(ApiKinds.PersistentVolume, "", volumeName, cancellationToken).ConfigureAwait(false);
        if (volume is null || (string?)volume["spec"]?["claimRef"]?["uid"] != ObjectStore.Meta(claim, "uid")) return;
        if ((string?)volume["spec"]?["persistentVolumeReclaimPolicy"] == "Retain")
        {
            volume["status"] = new JsonObject { ["phase"] = "Released" };
            await objects.UpdateAsync(ApiKinds.PersistentVolume, volume, cancellationToken).ConfigureAwait(false);
            return;
        }
        if (await store.GetAsync<Volume>(volumeName, cancellationToken).ConfigureAwait(false) is not null)
            await volumes.DeleteAsync(volumeName, cancellationToken).ConfigureAwait(false);
        ObjectStore.MetadataOf(volume)["finalizers"] = new JsonArray();
        await objects.UpdateAsync(ApiKinds.PersistentVolume, volume, cancellationToken).ConfigureAwait(false);
        await objects.DeleteAsync(ApiKinds.PersistentVolume, "", volumeName, cancellationToken).ConfigureAwait(false);
        logger.LogInformation("Deleted volume {Volume} of deleted claim {Namespace}/{Claim}", volumeName, ObjectStore.Meta(claim, "namespace"), ObjectStore.Meta(claim, "name"));
    }

    /// <summary>An Event on the claim, as <c>kubectl describe pvc</c> shows them.</summary>
    private async Task EventAsync(JsonObject claim, string type, string reason, string message, CancellationToken cancellationToken)
    {
        var now = ObjectStore.Timestamp(time.GetUtcNow());
        await objects.CreateAsync(ApiKinds.Event, new JsonObject
        {
            ["metadata"] = new JsonObject { ["generateName"] = ObjectStore.Meta(claim, "name") + ".", ["namespace"] = ObjectStore.Meta(claim, "namespace") },
            ["involvedObject"] = new JsonObject
            {
                ["kind"] = "PersistentVolumeClaim", ["apiVersion"] = "v1", ["namespace"] = ObjectStore.Meta(claim, "namespace"),
                ["name"] = ObjectStore.Meta(claim, "name"), ["uid"] = ObjectStore.Meta(claim, "uid"),
            },
            ["type"] = type,
            ["reason"] = reason,
            ["message"] = message,
            ["source"] = new JsonObject { ["component"] = $"{Driver}_csi-provisioner" },
            ["firstTimestamp"] = now,
            ["lastTimestamp"] = now,
            ["count"] = 1,
        }, cancellationToken).ConfigureAwait(false);
    }
}
