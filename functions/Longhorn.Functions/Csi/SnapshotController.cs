using System.Text.Json.Nodes;
using Longhorn.Functions.Cluster;
using Longhorn.Functions.ControlPlane;
using Longhorn.Functions.ControlPlane.Backups;
using Longhorn.Functions.ControlPlane.Volumes;
using Longhorn.Functions.Resources;

namespace Longhorn.Functions.Csi;

/// <summary>
/// What the snapshot controller, csi-snapshotter and Longhorn's CSI plugin do together for VolumeSnapshots (seeds 001,
/// 003; spec/control-plane.md §3): a VolumeSnapshot of a Longhorn PVC becomes a Longhorn snapshot <c>snapshot-&lt;uid&gt;</c>
/// and, for type <c>bak</c>, a backup of it, bound to a VolumeSnapshotContent <c>snapcontent-&lt;uid&gt;</c> whose handle is
/// <c>bak://&lt;volume&gt;/&lt;backup&gt;</c>; readiness follows the backup. A pre-provisioned content (a handle naming an
/// existing backup) binds its VolumeSnapshot when the backup exists. Deleting a VolumeSnapshot deletes its content and,
/// under <c>Delete</c>, the backup. Reconciles on every change of the kinds involved, so a re-run is always harmless.
/// </summary>
public sealed class SnapshotController(ObjectStore objects, IResourceStore store, SnapshotService snapshots, BackupService backups,
    TimeProvider time, ILogger<SnapshotController> logger) : BackgroundService
{
    private static readonly HashSet<string> Watched = ["VolumeSnapshot", "VolumeSnapshotContent", "Backup", "Snapshot"];

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var changes = objects.Watch(objects.CurrentVersion, stoppingToken);
        await ReconcileAllAsync(stoppingToken).ConfigureAwait(false);
        try
        {
            await foreach (var change in changes.ReadAllAsync(stoppingToken).ConfigureAwait(false))
            {
                if (!Watched.Contains(change.Kind.Kind)) continue;
                if (change.Kind == ApiKinds.VolumeSnapshot && change.Type == WatchEventType.Deleted)
                    await GuardAsync(change.Object, () => DeletedAsync(change.Object, stoppingToken)).ConfigureAwait(false);
                // Drain what queued meanwhile: one reconcile covers them all.
                while (changes.TryRead(out _))
                {
                }
                await ReconcileAllAsync(stoppingToken).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    private async Task ReconcileAllAsync(CancellationToken cancellationToken)
    {
        var page = await objects.ListAsync(ApiKinds.VolumeSnapshot, null, null, null, 0, null, cancellationToken).ConfigureAwait(false);
        foreach (var snapshot in page.Items) await GuardAsync(snapshot, () => ReconcileAsync(snapshot, cancellationToken)).ConfigureAwait(false);
    }

    /// <summary>One VolumeSnapshot's failure is written to its status.error and never stops the others.</summary>
    private async Task GuardAsync(JsonObject snapshot, Func<Task> action)
    {
        try
        {
            await action().ConfigureAwait(false);
        }
        catch (Exception e) when (ExpectedFailure.Is(e) || e is ObjectStoreException or FormatException)
        {
            logger.LogWarning("VolumeSnapshot {Namespace}/{Name}: {Error}", ObjectStore.Meta(snapshot, "namespace"), ObjectStore.Meta(snapshot, "name"), e.Message);
            await SetStatusAsync(snapshot, s => SetError(s, e.Message), CancellationToken.None).ConfigureAwait(false);
        }
    }

    private async Task ReconcileAsync(JsonObject snapshot, CancellationToken cancellationToken)
    {
        if (snapshot["metadata"]?["deletionTimestamp"] is not null) return;
        var source = snapshot["spec"]?["source"] as JsonObject;
        if ((string?)source?["volumeSnapshotContentName"] is { Length: > 0 } contentName)
        {
            await BindPreProvisionedAsync(snapshot, contentName, cancellationToken).ConfigureAwait(false);
            return;
        }
        var contentNameOfOwn = "snapcontent-" + ObjectStore.Meta(snapshot, "uid");
        var content = await objects.GetAsync(ApiKinds.VolumeSnapshotContent, "", contentNameOfOwn, cancellationToken).ConfigureAwait(false);
        if (content is null) content = await CreateFromClaimAsync(snapshot, source, contentNameOfOwn, cancellationToken).ConfigureAwait(false);
        if (content is not null) await RefreshAsync(snapshot, content, cancellationToken).ConfigureAwait(false);
    }

    private async Task<JsonObject?> CreateFromClaimAsync(JsonObject snapshot, JsonObject? source, string contentName, CancellationToken cancellationToken)
    {
        var @namespace = ObjectStore.Meta(snapshot, "namespace")!;
        var claimName = (string?)source?["persistentVolumeClaimName"];
        if (string.IsNullOrEmpty(claimName))
            throw ControlPlaneException.Invalid("spec.source", "exactly one of persistentVolumeClaimName and volumeSnapshotContentName must be set");
        var claim = await objects.GetAsync(ApiKinds.PersistentVolumeClaim, @namespace, claimName, cancellationToken).ConfigureAwait(false)
                    ?? throw ControlPlaneException.NotFound("spec.source.persistentVolumeClaimName", $"failed to get input source: persistentvolumeclaims \"{claimName}\" not found");
        var volumeName = (string?)claim["spec"]?["volumeName"];
        var pv = string.IsNullOrEmpty(volumeName) ? null : await objects.GetAsync(ApiKinds.PersistentVolume, "", volumeName, cancellationToken).ConfigureAwait(false);
        if (pv is null || (string?)claim["status"]?["phase"] != "Bound")
            throw ControlPlaneException.Invalid("spec.source.persistentVolumeClaimName", $"the source PVC {claimName} is not bound to a volume");
        if ((string?)pv["spec"]?["csi"]?["driver"] != VolumeProvisioner.Driver)
            throw ControlPlaneException.Invalid("spec.source.persistentVolumeClaimName", $"the source PVC {claimName} is not a Longhorn volume (CSI driver {VolumeProvisioner.Driver})");
        var volume = (string)pv["spec"]!["csi"]!["volumeHandle"]!;

        var className = (string?)snapshot["spec"]?["volumeSnapshotClassName"];
        var snapshotClass = string.IsNullOrEmpty(className) ? null : await objects.GetAsync(ApiKinds.VolumeSnapshotClass, "", className, cancellationToken).ConfigureAwait(false);
        if (snapshotClass is null)
            throw ControlPlaneException.NotFound("spec.volumeSnapshotClassName", $"volumesnapshotclasses.snapshot.storage.k8s.io \"{className}\" not found");
        if ((string?)snapshotClass["driver"] != VolumeProvisioner.Driver)
            throw ControlPlaneException.Invalid("spec.volumeSnapshotClassName", $"the snapshot class {className} is not Longhorn's (driver {VolumeProvisioner.Driver})");
        var parameters = (snapshotClass["parameters"] as JsonObject)?.ToDictionary(p => p.Key, p => p.Value?.ToString() ?? "", StringComparer.Ordinal)
                         ?? new Dictionary<string, string>();
        var type = SnapshotHandle.NormalizeType(parameters.GetValueOrDefault("type"));

        // Idempotent by the CSI snapshot name, as CreateSnapshot is (§3 step 1).
        var snapshotName = "snapshot-" + ObjectStore.Meta(snapshot, "uid");
        var labels = parameters.Where(p => p.Key != "backupMode").ToDictionary(p => p.Key, p => p.Value, StringComparer.Ordinal);
        if (await store.GetAsync<Snapshot>(snapshotName, cancellationToken).ConfigureAwait(false) is null)
            await snapshots.CreateAsync(volume, snapshotName, labels, cancellationToken).ConfigureAwait(false);
        SnapshotHandle handle;
        if (type == SnapshotHandle.Backup)
        {
            var existing = (await backups.ListAsync(volume, cancellationToken).ConfigureAwait(false)).FirstOrDefault(b => b.Spec.SnapshotName == snapshotName);
            existing ??= await backups.CreateAsync(volume, snapshotName, labels, parameters.GetValueOrDefault("backupMode"), cancellationToken).ConfigureAwait(false);
            handle = new SnapshotHandle(SnapshotHandle.Backup, volume, existing.Name);
        }
        else handle = new SnapshotHandle(SnapshotHandle.Snapshot, volume, snapshotName);

        var content = new JsonObject
        {
            ["metadata"] = new JsonObject { ["name"] = contentName },
            ["spec"] = new JsonObject
            {
                ["deletionPolicy"] = (string?)snapshotClass["deletionPolicy"] ?? "Delete",
                ["driver"] = VolumeProvisioner.Driver,
                ["source"] = new JsonObject { ["volumeHandle"] = volume },
                ["volumeSnapshotClassName"] = className,
                ["volumeSnapshotRef"] = new JsonObject
                {
                    ["apiVersion"] = "snapshot.storage.k8s.io/v1", ["kind"] = "VolumeSnapshot", ["name"] = ObjectStore.Meta(snapshot, "name"),
                    ["namespace"] = @namespace, ["uid"] = ObjectStore.Meta(snapshot, "uid"),
                },
            },
            ["status"] = new JsonObject { ["snapshotHandle"] = handle.ToString(), ["readyToUse"] = false },
        };
        logger.LogInformation("VolumeSnapshot {Namespace}/{Name} of volume {Volume} is {Handle}", @namespace, ObjectStore.Meta(snapshot, "name"), volume, handle);
        return await objects.CreateAsync(ApiKinds.VolumeSnapshotContent, content, cancellationToken).ConfigureAwait(false);
    }

    private async Task BindPreProvisionedAsync(JsonObject snapshot, string contentName, CancellationToken cancellationToken)
    {
        var content = await objects.GetAsync(ApiKinds.VolumeSnapshotContent, "", contentName, cancellationToken).ConfigureAwait(false)
                      ?? throw ControlPlaneException.NotFound("spec.source.volumeSnapshotContentName", $"volumesnapshotcontents.snapshot.storage.k8s.io \"{contentName}\" not found");
        var handle = (string?)content["status"]?["snapshotHandle"] ?? (string?)content["spec"]?["source"]?["snapshotHandle"];
        if ((string?)content["status"]?["snapshotHandle"] is null)
        {
            var parsed = SnapshotHandle.Parse(handle);
            content["status"] = new JsonObject { ["snapshotHandle"] = parsed.ToString(), ["readyToUse"] = false };
            content = await objects.UpdateAsync(ApiKinds.VolumeSnapshotContent, content, cancellationToken).ConfigureAwait(false) ?? content;
        }
        await RefreshAsync(snapshot, content, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Readiness, size and time from the backup (or snapshot) the handle names, onto the content and the VolumeSnapshot.</summary>
    private async Task RefreshAsync(JsonObject snapshot, JsonObject content, CancellationToken cancellationToken)
    {
        var handle = SnapshotHandle.Parse((string?)content["status"]?["snapshotHandle"]);
        bool ready;
        long size;
        string? created;
        string? error = null;
        if (handle.Type == SnapshotHandle.Backup)
        {
            var backup = await store.GetAsync<Backup>(handle.Name, cancellationToken).ConfigureAwait(false);
            if (backup is null || backup.Status.VolumeName.Length > 0 && backup.Status.VolumeName != handle.Volume)
                throw ControlPlaneException.NotFound("snapshotHandle", $"backup {handle.Name} of volume {handle.Volume} not found");
            ready = backup.Status.State == BackupStates.Completed;
            if (backup.Status.State == BackupStates.Error) error = $"backup {backup.Name} failed: {backup.Status.Error}";
            size = RoundUp(backup.Status.VolumeSize);
            created = backup.Status.SnapshotCreatedAt.Length > 0 ? backup.Status.SnapshotCreatedAt : null;
        }
        else
        {
            var longhornSnapshot = await store.GetAsync<Snapshot>(handle.Name, cancellationToken).ConfigureAwait(false)
                                   ?? throw ControlPlaneException.NotFound("snapshotHandle", $"snapshot {handle.Name} of volume {handle.Volume} not found");
            ready = longhornSnapshot.Status.ReadyToUse;
            size = longhornSnapshot.Status.RestoreSize;
            created = longhornSnapshot.Status.CreationTime;
        }
        var contentStatus = content["status"] as JsonObject ?? new JsonObject();
        if ((bool?)contentStatus["readyToUse"] != ready || (long?)contentStatus["restoreSize"] != size)
        {
            contentStatus["readyToUse"] = ready;
            contentStatus["restoreSize"] = size;
            if (created is not null) contentStatus["creationTime"] = created;
            content["status"] = contentStatus;
            await objects.UpdateAsync(ApiKinds.VolumeSnapshotContent, content, cancellationToken).ConfigureAwait(false);
        }
        await SetStatusAsync(snapshot, status =>
        {
            status["boundVolumeSnapshotContentName"] = ObjectStore.Meta(content, "name");
            status["readyToUse"] = ready;
            status["restoreSize"] = Quantity.Format(size);
            if (created is not null) status["creationTime"] = created;
            if (error is null) status.Remove("error");
            else SetError(status, error);
        }, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>The VolumeSnapshot went: its own content goes too, and under Delete the backup (remote included) or snapshot.</summary>
    private async Task DeletedAsync(JsonObject snapshot, CancellationToken cancellationToken)
    {
        var contentName = (string?)snapshot["status"]?["boundVolumeSnapshotContentName"] ?? "snapcontent-" + ObjectStore.Meta(snapshot, "uid");
        var content = await objects.GetAsync(ApiKinds.VolumeSnapshotContent, "", contentName, cancellationToken).ConfigureAwait(false);
        if (content is null || (string?)content["spec"]?["volumeSnapshotRef"]?["name"] != ObjectStore.Meta(snapshot, "name")) return;
        if ((string?)content["spec"]?["deletionPolicy"] == "Delete" && (string?)content["status"]?["snapshotHandle"] is { } text)
        {
            var handle = SnapshotHandle.Parse(text);
            if (handle.Type == SnapshotHandle.Backup && await store.GetAsync<Backup>(handle.Name, cancellationToken).ConfigureAwait(false) is not null)
                await backups.DeleteAsync(handle.Name, cancellationToken).ConfigureAwait(false);
            else if (handle.Type == SnapshotHandle.Snapshot && await store.GetAsync<Snapshot>(handle.Name, cancellationToken).ConfigureAwait(false) is not null)
                await snapshots.DeleteAsync(handle.Volume, handle.Name, cancellationToken).ConfigureAwait(false);
            await objects.DeleteAsync(ApiKinds.VolumeSnapshotContent, "", contentName, cancellationToken).ConfigureAwait(false);
        }
        logger.LogInformation("VolumeSnapshot {Namespace}/{Name} deleted; content {Content} policy {Policy}", ObjectStore.Meta(snapshot, "namespace"),
            ObjectStore.Meta(snapshot, "name"), contentName, (string?)content["spec"]?["deletionPolicy"]);
    }

    private async Task SetStatusAsync(JsonObject snapshot, Action<JsonObject> change, CancellationToken cancellationToken)
    {
        var current = await objects.GetAsync(ApiKinds.VolumeSnapshot, ObjectStore.Meta(snapshot, "namespace") ?? "", ObjectStore.Meta(snapshot, "name") ?? "", cancellationToken)
            .ConfigureAwait(false);
        if (current is null) return;
        var status = current["status"]?.DeepClone() as JsonObject ?? new JsonObject();
        var before = status.ToJsonString();
        change(status);
        if (status.ToJsonString() == before) return;
        current["status"] = status;
        try
        {
            await objects.UpdateAsync(ApiKinds.VolumeSnapshot, current, cancellationToken).ConfigureAwait(false);
        }
        catch (ObjectStoreException e) when (e.Reason is "Conflict" or "NotFound")
        {
            // Changed or gone meanwhile: the next change reconciles again.
        }
    }

    /// <summary>The same error is not written again (its time would change, and the write would wake this controller forever).</summary>
    private void SetError(JsonObject status, string message)
    {
        if ((string?)status["error"]?["message"] == message) return;
        status["error"] = new JsonObject { ["message"] = message, ["time"] = ObjectStore.Timestamp(time.GetUtcNow()) };
        status["readyToUse"] = false;
    }

    private static long RoundUp(long bytes) => (bytes + 2 * 1024 * 1024 - 1) / (2 * 1024 * 1024) * (2 * 1024 * 1024);
}
