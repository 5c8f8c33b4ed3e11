using System.Text.Json.Nodes;
using Longhorn.Functions.Cluster;
using Longhorn.Functions.Resources;
using Longhorn.Simulator.Cluster;

namespace Longhorn.Functions.ControlPlane.SystemBackups;

/// <summary>
/// The cluster's objects that are not typed resources of this host (namespace, service accounts, RBAC, config maps,
/// services, workloads, CRDs, engine images, PVs, PVCs), read and written in the cluster's object store, the one the
/// Kubernetes API serves; seeded once with a Longhorn install.
/// </summary>
public sealed class ClusterObjectTable(ObjectStore objects, IResourceStore store)
{
    /// <summary>Marks a cluster that got its install objects, in kube-system so that no bundle collects it.</summary>
    private const string SeededMarker = "longhorn-functions-install";

    private readonly SemaphoreSlim _seeding = new(1, 1);
    private volatile bool _seeded;

    public async Task<IReadOnlyList<JsonObject>> ListAsync(string apiVersion, string kind, string? @namespace, CancellationToken cancellationToken)
    {
        await SeedAsync(cancellationToken).ConfigureAwait(false);
        if (KindOf(apiVersion, kind) is not { } served) return [];
        var page = await objects.ListAsync(served, @namespace, null, null, 0, null, cancellationToken).ConfigureAwait(false);
        return page.Items.Select(i =>
        {
            var copy = i.DeepClone().AsObject();
            ObjectStore.MetadataOf(copy).Remove("resourceVersion");
            return copy;
        }).ToList();
    }

    /// <summary>Creates or replaces the object; uid and creationTimestamp are kept from the stored one or assigned.</summary>
    public async Task PutAsync(JsonObject item, CancellationToken cancellationToken)
    {
        await SeedAsync(cancellationToken).ConfigureAwait(false);
        await PutCoreAsync(item, cancellationToken).ConfigureAwait(false);
    }

    private async Task PutCoreAsync(JsonObject item, CancellationToken cancellationToken)
    {
        var (apiVersion, kind, @namespace, name) = KubernetesObjects.Identity(item);
        var served = KindOf(apiVersion, kind) ?? throw ControlPlaneException.Invalid("kind", $"the cluster does not serve {kind} ({apiVersion})");
        var copy = item.DeepClone().AsObject();
        ObjectStore.MetadataOf(copy).Remove("resourceVersion");
        if (await objects.GetAsync(served, @namespace, name, cancellationToken).ConfigureAwait(false) is null)
            await objects.CreateAsync(served, copy, cancellationToken).ConfigureAwait(false);
        else await objects.UpdateAsync(served, copy, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>A new cluster gets Longhorn's install objects once; later edits and deletions are never undone.</summary>
    public async Task SeedAsync(CancellationToken cancellationToken)
    {
        if (_seeded) return;
        await _seeding.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (_seeded) return;
            if (await objects.GetAsync(ApiKinds.ConfigMap, "kube-system", SeededMarker, cancellationToken).ConfigureAwait(false) is null)
            {
                // The storage class is a typed resource of this host; the rest of the install is plain cluster objects.
                foreach (var item in DefaultLonghornInstall.Objects().Where(o => (string?)o["kind"] != StorageClass.KindName))
                    await PutCoreAsync(item, cancellationToken).ConfigureAwait(false);
                if (await store.GetAsync<StorageClass>(DefaultLonghornInstall.StorageClassName, cancellationToken).ConfigureAwait(false) is null)
                {
                    await store.CreateAsync(new StorageClass
                    {
                        Metadata = new ObjectMeta { Name = DefaultLonghornInstall.StorageClassName, Namespace = "" },
                        Provisioner = DefaultLonghornInstall.Provisioner,
                    }, cancellationToken).ConfigureAwait(false);
                }
                await objects.CreateAsync(ApiKinds.ConfigMap, new JsonObject
                {
                    ["metadata"] = new JsonObject { ["name"] = SeededMarker, ["namespace"] = "kube-system" },
                    ["data"] = new JsonObject { ["seeded"] = "true" },
                }, cancellationToken).ConfigureAwait(false);
            }
            _seeded = true;
        }
        finally
        {
            _seeding.Release();
        }
    }

    private static ApiKind? KindOf(string apiVersion, string kind) =>
        ApiKinds.All.FirstOrDefault(k => k.Kind == kind && (k.ApiVersion == apiVersion || k.Versions.Any(v => (k.Group.Length == 0 ? v : $"{k.Group}/{v}") == apiVersion)));
}
