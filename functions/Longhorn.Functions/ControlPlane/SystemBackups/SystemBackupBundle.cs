using System.IO.Compression;
using System.Text.Json.Nodes;
using Longhorn.Simulator.Cluster;

namespace Longhorn.Functions.ControlPlane.SystemBackups;

/// <summary>What the bundle's metadata.yaml says (Longhorn's keys, <c>longhornNamspaceUUID</c> misspelt as Longhorn spells it).</summary>
public sealed record BundleMetadata(string LonghornVersion, string LonghornGitCommit, string KubernetesVersion, string LonghornNamespaceUuid,
    DateTimeOffset CreatedAt, string ManagerImage);

/// <summary>
/// Longhorn's system-backup bundle (generateSystemBackupYAMLs): the cluster's Longhorn-operated objects as <c>*List</c>
/// YAML files under <c>&lt;name&gt;/yamls/</c>, with <c>&lt;name&gt;/metadata.yaml</c>, zipped with the top-level directory.
/// </summary>
public static class SystemBackupBundle
{
    private const string Longhorn = "longhorn.io/v1beta2";
    private const string Rbac = "rbac.authorization.k8s.io/v1";

    /// <summary>One file of the bundle: where it goes and which list it holds.</summary>
    public sealed record Entry(string File, string ApiVersion, string Kind);

    /// <summary>The files in Longhorn's order; clusterroles.yaml holds the bindings and clusterrolebindings.yaml the roles (Longhorn's swapped arguments).</summary>
    public static IReadOnlyList<Entry> Entries { get; } =
    [
        new("apiextensions/customresourcedefinitions.yaml", "apiextensions.k8s.io/v1", "CustomResourceDefinition"),
        new("kubernetes/serviceaccounts.yaml", "v1", "ServiceAccount"),
        new("kubernetes/clusterroles.yaml", Rbac, "ClusterRoleBinding"),
        new("kubernetes/clusterrolebindings.yaml", Rbac, "ClusterRole"),
        new("kubernetes/roles.yaml", Rbac, "Role"),
        new("kubernetes/rolebindings.yaml", Rbac, "RoleBinding"),
        new("kubernetes/daemonsets.yaml", "apps/v1", "DaemonSet"),
        new("kubernetes/deployments.yaml", "apps/v1", "Deployment"),
        new("kubernetes/configmaps.yaml", "v1", "ConfigMap"),
        new("kubernetes/services.yaml", "v1", "Service"),
        new("kubernetes/storageclasses.yaml", "storage.k8s.io/v1", "StorageClass"),
        new("kubernetes/persistentvolumes.yaml", "v1", "PersistentVolume"),
        new("kubernetes/persistentvolumeclaims.yaml", "v1", "PersistentVolumeClaim"),
        new("longhorn/setting.yaml", Longhorn, "Setting"),
        new("longhorn/engineimages.yaml", Longhorn, "EngineImage"),
        new("longhorn/volumes.yaml", Longhorn, "Volume"),
        new("longhorn/recurringjobs.yaml", Longhorn, "RecurringJob"),
        new("longhorn/backingimages.yaml", Longhorn, "BackingImage"),
        new("longhorn/backuptargets.yaml", Longhorn, "BackupTarget"),
    ];

    /// <summary>Collects the Longhorn-operated objects of the cluster, filtered as Longhorn filters them, by entry.</summary>
    public static async Task<IReadOnlyDictionary<Entry, IReadOnlyList<JsonObject>>> CollectAsync(IClusterObjectSource source, CancellationToken cancellationToken)
    {
        const string ns = DefaultLonghornInstall.Namespace;
        async Task<IReadOnlyList<JsonObject>> List(string apiVersion, string kind, string? @namespace) =>
            await source.ListAsync(apiVersion, kind, @namespace, cancellationToken).ConfigureAwait(false);

        var accounts = await List("v1", "ServiceAccount", ns).ConfigureAwait(false);
        var accountNames = accounts.Select(KubernetesObjects.Name).ToHashSet(StringComparer.Ordinal);
        var allBindings = await List(Rbac, "ClusterRoleBinding", null).ConfigureAwait(false);
        var storageClasses = (await List("storage.k8s.io/v1", "StorageClass", null).ConfigureAwait(false))
            .Where(s => (string?)s["provisioner"] == DefaultLonghornInstall.Provisioner).ToList();
        var volumes = await List("v1", "PersistentVolume", null).ConfigureAwait(false);
        var longhornVolumes = volumes.Where(v => (string?)v["spec"]?["csi"]?["driver"] == DefaultLonghornInstall.Provisioner).ToList();
        var usedClasses = longhornVolumes.Select(v => (string?)v["spec"]?["storageClassName"] ?? "").ToHashSet(StringComparer.Ordinal);
        var roleNames = allBindings.Select(b => (string?)b["roleRef"]?["name"] ?? "").ToHashSet(StringComparer.Ordinal);

        var result = new Dictionary<Entry, IReadOnlyList<JsonObject>>();
        foreach (var entry in Entries)
        {
            IReadOnlyList<JsonObject> items = entry.Kind switch
            {
                "CustomResourceDefinition" => (await List(entry.ApiVersion, entry.Kind, null).ConfigureAwait(false))
                    .Where(c => (string?)c["spec"]?["group"] == "longhorn.io").ToList(),
                "ServiceAccount" => accounts,
                // Bindings whose subjects include one of Longhorn's service accounts.
                "ClusterRoleBinding" => allBindings.Where(b => b["subjects"] is JsonArray subjects && subjects.Any(s =>
                    (string?)s?["kind"] == "ServiceAccount" && (string?)s["namespace"] == ns && accountNames.Contains((string?)s["name"] ?? ""))).ToList(),
                // Roles named by any binding's roleRef: Longhorn filters with the full, unfiltered binding list.
                "ClusterRole" => (await List(entry.ApiVersion, entry.Kind, null).ConfigureAwait(false))
                    .Where(r => roleNames.Contains(KubernetesObjects.Name(r))).ToList(),
                "Service" => (await List(entry.ApiVersion, entry.Kind, ns).ConfigureAwait(false)).Select(WithoutClusterIp).ToList(),
                "StorageClass" => storageClasses,
                "PersistentVolume" => longhornVolumes,
                "PersistentVolumeClaim" => (await List(entry.ApiVersion, entry.Kind, null).ConfigureAwait(false))
                    .Where(c => usedClasses.Contains((string?)c["spec"]?["storageClassName"] ?? "")).ToList(),
                "Role" or "RoleBinding" or "DaemonSet" or "Deployment" or "ConfigMap" or "Setting" or "EngineImage" or "Volume" or "RecurringJob"
                    or "BackingImage" or "BackupTarget" => await List(entry.ApiVersion, entry.Kind, ns).ConfigureAwait(false),
                _ => throw new InvalidOperationException($"no collection rule for {entry.Kind}"),
            };
            result[entry] = items;
        }
        return result;
    }

    /// <summary>Writes the zip: <c>&lt;name&gt;/metadata.yaml</c> and one <c>*List</c> file per entry.</summary>
    public static async Task WriteAsync(string zipPath, string name, BundleMetadata metadata, IReadOnlyDictionary<Entry, IReadOnlyList<JsonObject>> objects,
        CancellationToken cancellationToken)
    {
        var temp = zipPath + ".partial";
        await using (var file = new FileStream(temp, FileMode.Create, FileAccess.Write, FileShare.None))
        using (var zip = new ZipArchive(file, ZipArchiveMode.Create))
        {
            // zip -r lists each directory before its files.
            zip.CreateEntry($"{name}/");
            Add(zip, $"{name}/metadata.yaml", YamlDocuments.Write(new JsonObject
            {
                ["longhornVersion"] = metadata.LonghornVersion,
                ["longhornGitCommit"] = metadata.LonghornGitCommit,
                ["kubernetesVersion"] = metadata.KubernetesVersion,
                ["longhornNamspaceUUID"] = metadata.LonghornNamespaceUuid,
                ["systemBackupCreatedAt"] = KubernetesObjects.Time(metadata.CreatedAt),
                ["managerImage"] = metadata.ManagerImage,
            }));
            zip.CreateEntry($"{name}/yamls/");
            string? directory = null;
            foreach (var entry in Entries.OrderBy(e => e.File, StringComparer.Ordinal))
            {
                cancellationToken.ThrowIfCancellationRequested();
                var folder = entry.File[..entry.File.IndexOf('/')];
                if (folder != directory) zip.CreateEntry($"{name}/yamls/{folder}/");
                directory = folder;
                var list = new JsonObject
                {
                    ["apiVersion"] = entry.ApiVersion,
                    ["kind"] = entry.Kind + "List",
                    ["metadata"] = new JsonObject(),
                    ["items"] = new JsonArray(objects.GetValueOrDefault(entry, []).Select(o => (JsonNode?)o.DeepClone()).ToArray()),
                };
                Add(zip, $"{name}/yamls/{entry.File}", YamlDocuments.Write(list));
            }
        }
        File.Move(temp, zipPath, overwrite: true);
    }

    /// <summary>Reads a bundle back: its metadata and every object of every list, by kind (as restore decodes, ignoring file names).</summary>
    public static async Task<(JsonObject Metadata, IReadOnlyList<JsonObject> Objects)> ReadAsync(string zipPath, CancellationToken cancellationToken)
    {
        await using var file = new FileStream(zipPath, FileMode.Open, FileAccess.Read, FileShare.Read);
        using var zip = new ZipArchive(file, ZipArchiveMode.Read);
        JsonObject? metadata = null;
        var objects = new List<JsonObject>();
        foreach (var zipEntry in zip.Entries.Where(e => e.FullName.EndsWith(".yaml", StringComparison.Ordinal)))
        {
            cancellationToken.ThrowIfCancellationRequested();
            string text;
            await using (var stream = zipEntry.Open())
            using (var reader = new StreamReader(stream))
                text = await reader.ReadToEndAsync(cancellationToken).ConfigureAwait(false);
            var document = YamlDocuments.Read(text) as JsonObject;
            if (zipEntry.FullName.EndsWith("/metadata.yaml", StringComparison.Ordinal) && !zipEntry.FullName.Contains("/yamls/", StringComparison.Ordinal))
            {
                metadata = document;
                continue;
            }
            if (document is null || !((string?)document["kind"] ?? "").EndsWith("List", StringComparison.Ordinal)) continue;
            var kind = ((string)document["kind"]!)[..^4];
            foreach (var item in document["items"]?.AsArray() ?? [])
            {
                if (item is not JsonObject o) continue;
                var copy = o.DeepClone().AsObject();
                copy["apiVersion"] ??= (string?)document["apiVersion"];
                copy["kind"] ??= kind;
                objects.Add(copy);
            }
        }
        return (metadata ?? throw new InvalidDataException("the bundle has no metadata.yaml"), objects);
    }

    private static JsonObject WithoutClusterIp(JsonObject service)
    {
        var copy = service.DeepClone().AsObject();
        if (copy["spec"] is JsonObject spec)
        {
            spec["clusterIP"] = "";
            spec.Remove("clusterIPs");
        }
        return copy;
    }

    private static void Add(ZipArchive zip, string path, string text)
    {
        var entry = zip.CreateEntry(path, CompressionLevel.Optimal);
        using var writer = new StreamWriter(entry.Open());
        writer.Write(text);
    }
}
