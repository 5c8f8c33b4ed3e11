using System.Text.Json.Nodes;
using Longhorn.Functions.ControlPlane.Settings;
using Longhorn.Functions.Resources;
using Longhorn.Simulator.Cluster;

namespace Longhorn.Functions.ControlPlane.SystemBackups;

/// <summary>
/// The host's own cluster as a source: Longhorn kinds from its typed resources (in Longhorn's CRD shape; every
/// setting, defaults included), storage classes from theirs, everything else from the <see cref="ClusterObjectTable"/>.
/// </summary>
public sealed class ResourceClusterObjectSource(IResourceStore store, LonghornSettings settings, ClusterObjectTable table) : IClusterObjectSource
{
    public async Task<IReadOnlyList<JsonObject>> ListAsync(string apiVersion, string kind, string? @namespace, CancellationToken cancellationToken)
    {
        IEnumerable<JsonObject>? typed = (apiVersion, kind) switch
        {
            (Resource.LonghornApiVersion, "Volume") =>
                (await store.ListAsync<Volume>(null, cancellationToken).ConfigureAwait(false)).Where(v => !v.IsDeleting).Select(KubernetesObjects.FromVolume),
            (Resource.LonghornApiVersion, "Setting") =>
                (await settings.ListAsync(cancellationToken).ConfigureAwait(false)).Select(KubernetesObjects.FromSetting),
            (Resource.LonghornApiVersion, "RecurringJob") =>
                (await store.ListAsync<RecurringJob>(null, cancellationToken).ConfigureAwait(false)).Select(KubernetesObjects.FromRecurringJob),
            (Resource.LonghornApiVersion, "BackupTarget") =>
                (await store.ListAsync<BackupTarget>(null, cancellationToken).ConfigureAwait(false)).Select(KubernetesObjects.FromBackupTarget),
            ("storage.k8s.io/v1", "StorageClass") =>
                (await store.ListAsync<StorageClass>(null, cancellationToken).ConfigureAwait(false)).Select(KubernetesObjects.FromStorageClass),
            _ => null,
        };
        if (typed is null) return await table.ListAsync(apiVersion, kind, @namespace, cancellationToken).ConfigureAwait(false);
        return typed.Where(o => @namespace is null || KubernetesObjects.Namespace(o) == @namespace || KubernetesObjects.Namespace(o).Length == 0).ToList();
    }

    public Task<string> GetKubernetesVersionAsync(CancellationToken cancellationToken) => Task.FromResult(DefaultLonghornInstall.KubernetesVersion);
}
