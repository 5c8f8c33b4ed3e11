using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Longhorn.Functions.Resources;

namespace Longhorn.Functions.ControlPlane.SystemBackups;

/// <summary>Kubernetes-shaped JSON: an object's identity, metadata as the API server writes it, and this host's resources in Longhorn's CRD shape.</summary>
public static class KubernetesObjects
{
    public static (string ApiVersion, string Kind, string Namespace, string Name) Identity(JsonObject item)
    {
        var apiVersion = (string?)item["apiVersion"] ?? "";
        var kind = (string?)item["kind"] ?? "";
        var name = (string?)item["metadata"]?["name"] ?? "";
        if (apiVersion.Length == 0 || kind.Length == 0 || name.Length == 0)
            throw ControlPlaneException.Invalid("metadata.name", "a Kubernetes object needs apiVersion, kind and metadata.name");
        return (apiVersion, kind, (string?)item["metadata"]?["namespace"] ?? "", name);
    }

    public static string Name(JsonObject item) => (string?)item["metadata"]?["name"] ?? "";

    public static string Namespace(JsonObject item) => (string?)item["metadata"]?["namespace"] ?? "";

    /// <summary>metav1.Time: RFC 3339 to the second, UTC.</summary>
    public static string Time(DateTimeOffset time) => time.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);

    /// <summary>metav1.Duration as Go prints it (<c>5m0s</c>, <c>300</c> seconds).</summary>
    public static string GoDuration(long seconds)
    {
        if (seconds == 0) return "0s";
        var (h, m, s) = (seconds / 3600, seconds % 3600 / 60, seconds % 60);
        return h > 0 ? $"{h}h{m}m{s}s" : m > 0 ? $"{m}m{s}s" : $"{s}s";
    }

    public static JsonObject Metadata(ObjectMeta meta, bool namespaced = true)
    {
        var result = new JsonObject { ["name"] = meta.Name };
        if (namespaced) result["namespace"] = meta.Namespace.Length > 0 ? meta.Namespace : ObjectMeta.LonghornNamespace;
        if (meta.Uid.Length > 0) result["uid"] = meta.Uid;
        if (meta.ResourceVersion.Length > 0) result["resourceVersion"] = meta.ResourceVersion;
        if (meta.CreationTimestamp is { } created) result["creationTimestamp"] = Time(created);
        if (meta.Labels.Count > 0) result["labels"] = Map(meta.Labels);
        if (meta.Annotations.Count > 0) result["annotations"] = Map(meta.Annotations);
        if (meta.Finalizers.Count > 0) result["finalizers"] = new JsonArray(meta.Finalizers.Select(f => (JsonNode?)JsonValue.Create(f)).ToArray());
        if (meta.OwnerReferences.Count > 0)
        {
            result["ownerReferences"] = new JsonArray(meta.OwnerReferences.Select(o => (JsonNode?)new JsonObject
            {
                ["apiVersion"] = o.ApiVersion, ["kind"] = o.Kind, ["name"] = o.Name, ["uid"] = o.Uid,
            }).ToArray());
        }
        return result;
    }

    public static JsonObject Map(IReadOnlyDictionary<string, string> map)
    {
        var result = new JsonObject();
        foreach (var (key, value) in map.OrderBy(p => p.Key, StringComparer.Ordinal)) result[key] = value;
        return result;
    }

    public static IReadOnlyDictionary<string, string> StringMap(JsonNode? node) =>
        node is JsonObject o
            ? o.Where(p => p.Value is JsonValue).ToDictionary(p => p.Key, p => p.Value!.GetValueKind() == JsonValueKind.String ? (string)p.Value! : p.Value!.ToJsonString(), StringComparer.Ordinal)
            : new Dictionary<string, string>();

    /// <summary>A Volume in Longhorn's CRD shape (size as a string, its spec and status fields).</summary>
    public static JsonObject FromVolume(Volume volume) => new()
    {
        ["apiVersion"] = Resource.LonghornApiVersion,
        ["kind"] = Volume.KindName,
        ["metadata"] = Metadata(volume.Metadata),
        ["spec"] = new JsonObject
        {
            ["size"] = volume.Spec.Size.ToString(CultureInfo.InvariantCulture),
            ["numberOfReplicas"] = 3,
            ["frontend"] = "blockdev",
            ["dataEngine"] = "v1",
            ["accessMode"] = "rwo",
            ["fromBackup"] = volume.Spec.FromBackup,
            ["restoreVolumeRecurringJob"] = volume.Spec.RestoreVolumeRecurringJob,
            ["Standby"] = volume.Spec.Standby,
            ["backupCompressionMethod"] = volume.Spec.BackupCompressionMethod,
            ["backupBlockSize"] = volume.Spec.BackupBlockSize,
            ["backupTargetName"] = volume.Spec.BackupTargetName,
            ["snapshotMaxCount"] = volume.Spec.SnapshotMaxCount,
        },
        ["status"] = new JsonObject
        {
            ["ownerID"] = volume.Status.OwnerID,
            ["state"] = volume.Status.State,
            ["robustness"] = volume.Status.Robustness,
            ["lastBackup"] = volume.Status.LastBackup,
            ["lastBackupAt"] = volume.Status.LastBackupAt,
            ["restoreRequired"] = volume.Status.RestoreRequired,
            ["restoreInitiated"] = volume.Status.RestoreInitiated,
            ["isStandby"] = volume.Status.IsStandby,
            ["kubernetesStatus"] = new JsonObject { ["pvName"] = "", ["pvcName"] = "", ["namespace"] = "" },
        },
    };

    /// <summary>A Setting as Longhorn stores it: <c>value</c> beside metadata, <c>status.applied</c>.</summary>
    public static JsonObject FromSetting(Setting setting) => new()
    {
        ["apiVersion"] = Resource.LonghornApiVersion,
        ["kind"] = Setting.KindName,
        ["metadata"] = Metadata(setting.Metadata),
        ["value"] = setting.Value,
        ["status"] = new JsonObject { ["applied"] = setting.Status.Applied },
    };

    public static JsonObject FromRecurringJob(RecurringJob job) => new()
    {
        ["apiVersion"] = Resource.LonghornApiVersion,
        ["kind"] = RecurringJob.KindName,
        ["metadata"] = Metadata(job.Metadata),
        ["spec"] = JsonSerializer.SerializeToNode(job.Spec, Json.Options),
        ["status"] = JsonSerializer.SerializeToNode(job.Status, Json.Options),
    };

    /// <summary>A BackupTarget with pollInterval as a metav1.Duration.</summary>
    public static JsonObject FromBackupTarget(BackupTarget target)
    {
        var spec = new JsonObject
        {
            ["backupTargetURL"] = target.Spec.BackupTargetURL,
            ["credentialSecret"] = target.Spec.CredentialSecret,
            ["pollInterval"] = GoDuration(target.Spec.PollInterval),
        };
        if (target.Spec.SyncRequestedAt is { } asked) spec["syncRequestedAt"] = Time(asked);
        var status = new JsonObject { ["ownerID"] = target.Status.OwnerID, ["available"] = target.Status.Available };
        if (target.Status.LastSyncedAt is { } synced) status["lastSyncedAt"] = Time(synced);
        return new JsonObject
        {
            ["apiVersion"] = Resource.LonghornApiVersion,
            ["kind"] = BackupTarget.KindName,
            ["metadata"] = Metadata(target.Metadata),
            ["spec"] = spec,
            ["status"] = status,
        };
    }

    public static JsonObject FromStorageClass(StorageClass storageClass) => new()
    {
        ["apiVersion"] = storageClass.ApiVersion,
        ["kind"] = StorageClass.KindName,
        ["metadata"] = Metadata(storageClass.Metadata, namespaced: false),
        ["provisioner"] = storageClass.Provisioner,
        ["allowVolumeExpansion"] = true,
        ["reclaimPolicy"] = "Delete",
        ["volumeBindingMode"] = "Immediate",
        ["parameters"] = Map(storageClass.Parameters),
    };
}
