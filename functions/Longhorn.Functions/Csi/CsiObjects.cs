using System.Text.Json.Nodes;
using Longhorn.Functions.Cluster;
using Longhorn.Functions.ControlPlane;
using Longhorn.Functions.Resources;

namespace Longhorn.Functions.Csi;

/// <summary>
/// The CSI objects (claims, volumes, snapshot classes, snapshots and contents) for the HTTP functions: the same cluster
/// objects kubectl reads and writes, checked for the fields the provisioner and the snapshot controller act on. What
/// follows a write is the controllers' work, whichever side wrote it.
/// </summary>
public sealed class CsiObjects(ObjectStore objects)
{
    /// <summary>The resources served, by plural name.</summary>
    public static readonly IReadOnlyDictionary<string, ApiKind> Kinds = new Dictionary<string, ApiKind>(StringComparer.Ordinal)
    {
        ["persistentvolumeclaims"] = ApiKinds.PersistentVolumeClaim,
        ["persistentvolumes"] = ApiKinds.PersistentVolume,
        ["volumesnapshotclasses"] = ApiKinds.VolumeSnapshotClass,
        ["volumesnapshots"] = ApiKinds.VolumeSnapshot,
        ["volumesnapshotcontents"] = ApiKinds.VolumeSnapshotContent,
    };

    public async Task<IReadOnlyList<JsonObject>> ListAsync(string resource, string? @namespace, CancellationToken cancellationToken)
    {
        var kind = KindOf(resource);
        return (await objects.ListAsync(kind, kind.Namespaced ? @namespace : null, null, null, 0, null, cancellationToken).ConfigureAwait(false)).Items;
    }

    public async Task<JsonObject> GetAsync(string resource, string? @namespace, string name, CancellationToken cancellationToken)
    {
        var kind = KindOf(resource);
        return await objects.GetAsync(kind, NamespaceOf(kind, @namespace), name, cancellationToken).ConfigureAwait(false)
               ?? throw ControlPlaneException.NotFound("name", $"{kind.Resource} \"{name}\" not found");
    }

    /// <summary>Stores the object (a manifest as JSON); 400 naming the field the controllers need and it lacks, 409 when the name is taken.</summary>
    public async Task<JsonObject> CreateAsync(string resource, JsonObject item, CancellationToken cancellationToken)
    {
        var kind = KindOf(resource);
        if ((string?)item["kind"] is { } given && given != kind.Kind)
            throw ControlPlaneException.Invalid("kind", $"kind {given} does not match the route's {resource} ({kind.Kind})");
        item["kind"] = kind.Kind;
        item["apiVersion"] ??= kind.ApiVersion;
        var metadata = item["metadata"] as JsonObject ?? throw ControlPlaneException.Invalid("metadata.name", "metadata.name is required");
        var name = (string?)metadata["name"] ?? "";
        if (!ResourceNames.IsDnsSubdomain(name))
            throw ControlPlaneException.Invalid("metadata.name",
                $"metadata.name \"{name}\" is invalid: a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character");
        if (kind.Namespaced) metadata["namespace"] = NamespaceOf(kind, (string?)metadata["namespace"]);
        else metadata.Remove("namespace");
        Check(kind, item);
        if (kind == ApiKinds.PersistentVolumeClaim) item["status"] = new JsonObject { ["phase"] = "Pending" };
        if (kind == ApiKinds.PersistentVolume) item["status"] = new JsonObject { ["phase"] = "Available" };
        try
        {
            return await objects.CreateAsync(kind, item, cancellationToken).ConfigureAwait(false);
        }
        catch (ObjectStoreException e)
        {
            throw e.Code == 409 ? ControlPlaneException.Conflict("metadata.name", e.Message) : ControlPlaneException.Invalid("body", e.Message);
        }
    }

    /// <summary>Deletes as kubectl does (background propagation); the controllers then release volumes and backups by their policies.</summary>
    public async Task DeleteAsync(string resource, string? @namespace, string name, CancellationToken cancellationToken)
    {
        var kind = KindOf(resource);
        try
        {
            await objects.DeleteAsync(kind, NamespaceOf(kind, @namespace), name, cancellationToken, null, "Background").ConfigureAwait(false);
        }
        catch (ObjectStoreException e) when (e.Code == 404)
        {
            throw ControlPlaneException.NotFound("name", e.Message);
        }
    }

    private static ApiKind KindOf(string resource) =>
        Kinds.TryGetValue(resource, out var kind)
            ? kind
            : throw ControlPlaneException.NotFound("resource", $"resource {resource} is not served here: {string.Join(", ", Kinds.Keys)}");

    private static string NamespaceOf(ApiKind kind, string? @namespace) => kind.Namespaced ? (string.IsNullOrEmpty(@namespace) ? "default" : @namespace) : "";

    private static void Check(ApiKind kind, JsonObject item)
    {
        static string? Text(JsonNode? node) => node is JsonValue value && value.TryGetValue<string>(out var text) ? text : null;
        void Require(string path, JsonNode? node)
        {
            if (string.IsNullOrEmpty(Text(node))) throw ControlPlaneException.Invalid(path, $"{path} is required");
        }
        if (kind == ApiKinds.PersistentVolumeClaim)
        {
            var storage = item["spec"]?["resources"]?["requests"]?["storage"];
            Require("spec.resources.requests.storage", storage);
            if (Quantity.ParseBytes(Text(storage)) is null or <= 0)
                throw ControlPlaneException.Invalid("spec.resources.requests.storage", $"spec.resources.requests.storage \"{Text(storage)}\" is not a positive quantity");
        }
        else if (kind == ApiKinds.VolumeSnapshotClass)
        {
            Require("driver", item["driver"]);
            if (Text(item["deletionPolicy"]) is not ("Delete" or "Retain"))
                throw ControlPlaneException.Invalid("deletionPolicy", "deletionPolicy must be Delete or Retain");
        }
        else if (kind == ApiKinds.VolumeSnapshot)
        {
            var source = item["spec"]?["source"];
            if (string.IsNullOrEmpty(Text(source?["persistentVolumeClaimName"])) == string.IsNullOrEmpty(Text(source?["volumeSnapshotContentName"])))
                throw ControlPlaneException.Invalid("spec.source", "spec.source needs exactly one of persistentVolumeClaimName and volumeSnapshotContentName");
        }
        else if (kind == ApiKinds.VolumeSnapshotContent)
        {
            Require("spec.driver", item["spec"]?["driver"]);
            if (Text(item["spec"]?["deletionPolicy"]) is not ("Delete" or "Retain"))
                throw ControlPlaneException.Invalid("spec.deletionPolicy", "spec.deletionPolicy must be Delete or Retain");
            var source = item["spec"]?["source"];
            if (string.IsNullOrEmpty(Text(source?["snapshotHandle"])) == string.IsNullOrEmpty(Text(source?["volumeHandle"])))
                throw ControlPlaneException.Invalid("spec.source", "spec.source needs exactly one of snapshotHandle and volumeHandle");
            Require("spec.volumeSnapshotRef.name", item["spec"]?["volumeSnapshotRef"]?["name"]);
            Require("spec.volumeSnapshotRef.namespace", item["spec"]?["volumeSnapshotRef"]?["namespace"]);
        }
    }
}
