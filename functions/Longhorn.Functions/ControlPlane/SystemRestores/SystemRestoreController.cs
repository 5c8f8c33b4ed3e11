using System.Text.Json.Nodes;
using Longhorn.Engine;
using Longhorn.Engine.Format;
using Longhorn.Engine.SystemBackups;
using Longhorn.Functions.ControlPlane.SystemBackups;
using Longhorn.Functions.ControlPlane.Targets;
using Longhorn.Functions.ControlPlane.Work;
using Longhorn.Functions.Resources;
using Microsoft.Extensions.Options;

namespace Longhorn.Functions.ControlPlane.SystemRestores;

/// <summary>
/// Longhorn's system rollout (spec §5.6): Pending → Initializing → Downloading (SHA-256 checked) → Unpacking →
/// Restoring, kinds in Longhorn's order with its rules, → Completed, or Error with a reason. A bundle that fails its
/// checksum or does not unpack fails before anything is applied.
/// </summary>
public sealed class SystemRestoreController(IResourceStore store, BackupStoreFactory stores, IClusterObjectSink sink, WorkQueue work,
    IOptions<LonghornOptions> options, TimeProvider time, ILogger<SystemRestoreController> logger) : IWorkHandler
{
    /// <summary>Settings a restore never touches (they belong to the cluster restored into).</summary>
    public static readonly IReadOnlySet<string> ExcludedSettings = new HashSet<string>(StringComparer.Ordinal)
    {
        "concurrent-volume-backup-restore-per-node-limit", "concurrent-replica-rebuild-per-node-limit",
        "concurrent-backing-image-replenish-per-node-limit", "backup-target", "backup-target-credential-secret",
    };

    /// <summary>The kinds in the order Longhorn applies them; each group finishes before the next starts.</summary>
    private static readonly IReadOnlyList<IReadOnlyList<string>> Order =
    [
        ["CustomResourceDefinition", "DaemonSet", "EngineImage", "Setting"],
        ["Service", "ServiceAccount", "ClusterRole", "ClusterRoleBinding", "Role", "RoleBinding", "StorageClass", "ConfigMap", "Deployment",
            "BackupTarget", "BackingImage", "RecurringJob"],
        ["Volume"],
        ["PersistentVolume"],
        ["PersistentVolumeClaim"],
    ];

    public WorkKind Kind => WorkKind.SystemRestore;

    private string ZipPath(string name) => Path.Combine(options.Value.FullDataDir, "system-restores", name + ".zip");

    public async Task RunAsync(string name, CancellationToken cancellationToken)
    {
        var restore = await store.GetAsync<SystemRestore>(name, cancellationToken).ConfigureAwait(false);
        if (restore is null || restore.IsDeleting || restore.Status.State is SystemRestoreStates.Completed or SystemRestoreStates.Error) return;
        var reason = "Download";
        try
        {
            var systemBackup = await store.GetAsync<SystemBackup>(restore.Spec.SystemBackup, cancellationToken).ConfigureAwait(false)
                               ?? throw new SystemBackupException($"system backup {restore.Spec.SystemBackup} not found");
            var target = await store.GetAsync<BackupTarget>(BackupTarget.DefaultName, cancellationToken).ConfigureAwait(false);
            if (target is null || target.Spec.BackupTargetURL.Length == 0 || !target.Status.Available)
                throw new SystemBackupException("backup target default is not available");
            var backupStore = await stores.OpenAsync(target, cancellationToken).ConfigureAwait(false);
            var version = systemBackup.Status.Version;
            await SetAsync(name, s => s with { State = SystemRestoreStates.Pending }).ConfigureAwait(false);
            await SetAsync(name, s => s with
            {
                State = SystemRestoreStates.Initializing, SourceURL = SystemBackupPaths.Url(target.Spec.BackupTargetURL, version, systemBackup.Name),
            }).ConfigureAwait(false);

            await SetAsync(name, s => s with { State = SystemRestoreStates.Downloading }).ConfigureAwait(false);
            Directory.CreateDirectory(Path.GetDirectoryName(ZipPath(name))!);
            await backupStore.SystemBackups.DownloadAsync(systemBackup.Name, version, ZipPath(name), cancellationToken).ConfigureAwait(false);

            reason = "Unpack";
            await SetAsync(name, s => s with { State = SystemRestoreStates.Unpacking }).ConfigureAwait(false);
            IReadOnlyList<JsonObject> objects;
            try
            {
                (_, objects) = await SystemBackupBundle.ReadAsync(ZipPath(name), cancellationToken).ConfigureAwait(false);
            }
            catch (Exception e) when (e is InvalidDataException or IOException)
            {
                throw new SystemBackupException($"failed to unpack system backup from file: {e.Message}", e);
            }

            reason = "Restore";
            await SetAsync(name, s => s with { State = SystemRestoreStates.Restoring }).ConfigureAwait(false);
            var errors = await ApplyAsync(name, target, objects, cancellationToken).ConfigureAwait(false);
            if (errors.Count > 0) throw new SystemBackupException(string.Join("; ", errors));
            await SetAsync(name, s => s with { State = SystemRestoreStates.Completed, Conditions = [] }).ConfigureAwait(false);
            logger.LogInformation("System restore {SystemRestore} of {SystemBackup} completed: {Objects} objects", name, systemBackup.Name, objects.Count);
        }
        catch (Exception e) when (e is BackupStoreException or SystemBackupException or ControlPlaneException or IOException or ResourceNotFoundException)
        {
            logger.LogWarning("System restore {SystemRestore} failed ({Reason}): {Message}", name, reason, e.Message);
            await SetAsync(name, s => s with
            {
                State = SystemRestoreStates.Error, Conditions = [new Condition("Error", "True", reason, e.Message, time.GetUtcNow())],
            }).ConfigureAwait(false);
        }
        finally
        {
            if (!cancellationToken.IsCancellationRequested) File.Delete(ZipPath(name));
        }
    }

    /// <summary>Applies the bundle in Longhorn's order with its rules; returns what failed (the rest is still applied).</summary>
    private async Task<List<string>> ApplyAsync(string name, BackupTarget target, IReadOnlyList<JsonObject> objects, CancellationToken cancellationToken)
    {
        var errors = new List<string>();
        var failedVolumes = new HashSet<string>(StringComparer.Ordinal);
        var pvVolumes = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var group in Order)
        {
            foreach (var item in objects.Where(o => group.Contains((string?)o["kind"] ?? "")))
            {
                cancellationToken.ThrowIfCancellationRequested();
                var kind = (string)item["kind"]!;
                var itemName = KubernetesObjects.Name(item);
                var prepared = item.DeepClone().AsObject();
                if (kind == "Setting" && ExcludedSettings.Contains(itemName)) continue;
                if (kind == "PersistentVolume")
                {
                    var volume = (string?)item["spec"]?["csi"]?["volumeHandle"] ?? "";
                    pvVolumes[itemName] = volume;
                    if (failedVolumes.Contains(volume)) continue;
                }
                if (kind == "PersistentVolumeClaim" && pvVolumes.GetValueOrDefault((string?)item["spec"]?["volumeName"] ?? "") is { } claimed
                                                    && failedVolumes.Contains(claimed))
                    continue;
                if (kind == "Volume")
                {
                    if (await store.GetAsync<Volume>(itemName, cancellationToken).ConfigureAwait(false) is not null)
                    {
                        // Existing volumes are attached here (simulated volumes always are): Longhorn skips attached ones.
                        logger.LogInformation("System restore {SystemRestore}: volume {Volume} exists; skipped", name, itemName);
                        continue;
                    }
                    await PrepareVolumeAsync(prepared, target, cancellationToken).ConfigureAwait(false);
                }
                StripServerFields(prepared);
                try
                {
                    await sink.ApplyAsync(prepared, cancellationToken).ConfigureAwait(false);
                }
                catch (Exception e) when (e is ControlPlaneException or ResourceConflictException or IOException or FormatException
                                              or System.Text.Json.JsonException)
                {
                    if (kind == "Volume") failedVolumes.Add(itemName);
                    errors.Add($"{kind} {itemName}: {e.Message}");
                    logger.LogWarning("System restore {SystemRestore}: {Kind} {Name} failed: {Reason}", name, kind, itemName, e.Message);
                }
            }
        }
        return errors;
    }

    /// <summary>A missing volume comes back from its last backup (fromBackup), once this host has pulled that backup.</summary>
    private async Task PrepareVolumeAsync(JsonObject volume, BackupTarget target, CancellationToken cancellationToken)
    {
        var name = KubernetesObjects.Name(volume);
        var lastBackup = (string?)volume["status"]?["lastBackup"] ?? "";
        var standby = (bool?)volume["spec"]?["Standby"] ?? false;
        var spec = volume["spec"]!.AsObject();
        if (lastBackup.Length == 0 || standby) return;
        var targetName = (string?)spec["backupTargetName"] is { Length: > 0 } t ? t : BackupTarget.DefaultName;
        var volumeTarget = await store.GetAsync<BackupTarget>(targetName, cancellationToken).ConfigureAwait(false) ?? target;
        spec["fromBackup"] = BackupUrl.Encode(volumeTarget.Spec.BackupTargetURL, name, lastBackup);
        if (await store.GetAsync<Backup>(lastBackup, cancellationToken).ConfigureAwait(false) is null)
        {
            // This host has not pulled that backup yet: sync the target once and wait for it.
            work.Enqueue(WorkKind.SyncBackupTarget, volumeTarget.Name);
            await work.WhenIdleAsync(WorkKind.SyncBackupTarget, volumeTarget.Name, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>What the API server assigns is not restored: uid, resourceVersion, creation and deletion times, status of non-Longhorn kinds.</summary>
    private static void StripServerFields(JsonObject item)
    {
        if (item["metadata"] is JsonObject metadata)
        {
            foreach (var key in new[] { "uid", "resourceVersion", "creationTimestamp", "deletionTimestamp", "generation", "managedFields", "ownerReferences" })
                metadata.Remove(key);
        }
    }

    /// <summary>Changes the status; a running restore carries the label <c>longhorn.io/system-restore: InProgress</c>, a finished one none.</summary>
    private Task<SystemRestore?> SetAsync(string name, Func<SystemRestoreStatus, SystemRestoreStatus> change) =>
        store.MutateAsync<SystemRestore>(name, r =>
        {
            if (r.IsDeleting) return null;
            var status = change(r.Status);
            var labels = new Dictionary<string, string>(r.Metadata.Labels, StringComparer.Ordinal);
            if (status.State is SystemRestoreStates.Completed or SystemRestoreStates.Error) labels.Remove(InProgressLabel);
            else labels[InProgressLabel] = "InProgress";
            return r.WithMetadata(r.Metadata with { Labels = labels }) with { Status = status };
        }, CancellationToken.None);

    private const string InProgressLabel = "longhorn.io/system-restore";
}
