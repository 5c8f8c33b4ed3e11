using System.Text.Json.Nodes;

namespace Longhorn.Functions.ControlPlane.SystemBackups;

/// <summary>
/// Where a system backup collects the cluster's objects from: the host's own store, or any Kubernetes API server.
/// Objects are Kubernetes-shaped JSON (apiVersion, kind, metadata, spec/status/data...).
/// </summary>
public interface IClusterObjectSource
{
    /// <summary>Every object of the kind, in the namespace or in all namespaces (and cluster-scoped kinds) when null.</summary>
    Task<IReadOnlyList<JsonObject>> ListAsync(string apiVersion, string kind, string? @namespace, CancellationToken cancellationToken);

    /// <summary>The cluster's Kubernetes version (<c>gitVersion</c>, e.g. <c>v1.32.0</c>) for the bundle's metadata.</summary>
    Task<string> GetKubernetesVersionAsync(CancellationToken cancellationToken);
}

/// <summary>Where a system restore puts objects back: create the object, or update the one of that kind, namespace and name.</summary>
public interface IClusterObjectSink
{
    Task ApplyAsync(JsonObject item, CancellationToken cancellationToken);
}
