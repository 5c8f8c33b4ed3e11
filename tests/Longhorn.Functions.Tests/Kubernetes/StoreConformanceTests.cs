using System.Net;
using System.Runtime.CompilerServices;
using System.Text.Json.Nodes;
using k8s;
using k8s.Autorest;
using k8s.Models;
using Longhorn.Functions.Cluster;
using Longhorn.Functions.Kubernetes;
using Longhorn.Functions.Tests.Support;
using Microsoft.Extensions.DependencyInjection;

namespace Longhorn.Functions.Tests.Kubernetes;

/// <summary>The store contract on the SQLite object store, called in-process.</summary>
public sealed class InProcessStoreConformanceTests : StoreConformance, IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("lh-objects-").FullName;
    private readonly ObjectStore _store;

    public InProcessStoreConformanceTests() => _store = new ObjectStore(Path.Combine(_directory, "resources.db"), TimeProvider.System);

    public void Dispose() => FunctionHost.TryDelete(_directory);

    protected override Task<JsonObject> CreateAsync(JsonObject configMap) => _store.CreateAsync(ApiKinds.ConfigMap, configMap, CancellationToken.None);

    protected override Task<JsonObject?> GetAsync(string name) => _store.GetAsync(ApiKinds.ConfigMap, Namespace, name, CancellationToken.None);

    protected override async Task<JsonObject> UpdateAsync(JsonObject configMap) =>
        await _store.UpdateAsync(ApiKinds.ConfigMap, configMap, CancellationToken.None) ?? configMap;

    protected override Task DeleteAsync(string name, string propagation) =>
        _store.DeleteAsync(ApiKinds.ConfigMap, Namespace, name, CancellationToken.None, propagation: propagation);

    protected override async Task<(List<string> Names, string ResourceVersion)> ListAsync(string? labelSelector, string? fieldSelector)
    {
        var page = await _store.ListAsync(ApiKinds.ConfigMap, Namespace, labelSelector is null ? null : Longhorn.Functions.Resources.LabelSelector.Parse(labelSelector),
            fieldSelector is null ? null : FieldSelector.Parse(fieldSelector), 0, null, CancellationToken.None);
        return (page.Items.Select(i => ObjectStore.Meta(i, "name")!).ToList(), page.ResourceVersion.ToString(System.Globalization.CultureInfo.InvariantCulture));
    }

    protected override async IAsyncEnumerable<(string Type, string Name, string ResourceVersion)> WatchAsync(string fromVersion,
        [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var changes = _store.Watch(long.Parse(fromVersion, System.Globalization.CultureInfo.InvariantCulture), cancellationToken);
        await foreach (var change in changes.ReadAllAsync(cancellationToken))
        {
            if (change.Kind != ApiKinds.ConfigMap) continue;
            yield return (change.Type.ToString().ToUpperInvariant(), ObjectStore.Meta(change.Object, "name")!, ObjectStore.Meta(change.Object, "resourceVersion")!);
        }
    }

    protected override bool IsConflict(Exception e) => e is ObjectStoreException { Reason: "AlreadyExists" or "Conflict" };
}

/// <summary>The store contract through the host's Kubernetes API, with KubernetesClient 21.0.8's typed client.</summary>
public sealed class KubernetesApiStoreConformanceTests : StoreConformance, IDisposable
{
    private readonly FunctionHost _host = new();
    private readonly k8s.Kubernetes _client;

    public KubernetesApiStoreConformanceTests()
    {
        _client = KubernetesClients.For(_host);
    }

    public void Dispose()
    {
        _client.Dispose();
        _host.Dispose();
    }

    protected override async Task<JsonObject> CreateAsync(JsonObject configMap) =>
        ToJson(await _client.CoreV1.CreateNamespacedConfigMapAsync(FromJson(configMap), Namespace));

    protected override async Task<JsonObject?> GetAsync(string name)
    {
        try
        {
            return ToJson(await _client.CoreV1.ReadNamespacedConfigMapAsync(name, Namespace));
        }
        catch (HttpOperationException e) when (e.Response.StatusCode == HttpStatusCode.NotFound)
        {
            return null;
        }
    }

    protected override async Task<JsonObject> UpdateAsync(JsonObject configMap) =>
        ToJson(await _client.CoreV1.ReplaceNamespacedConfigMapAsync(FromJson(configMap), (string)configMap["metadata"]!["name"]!, Namespace));

    protected override Task DeleteAsync(string name, string propagation) =>
        _client.CoreV1.DeleteNamespacedConfigMapAsync(name, Namespace, propagationPolicy: propagation);

    protected override async Task<(List<string> Names, string ResourceVersion)> ListAsync(string? labelSelector, string? fieldSelector)
    {
        var list = await _client.CoreV1.ListNamespacedConfigMapAsync(Namespace, labelSelector: labelSelector, fieldSelector: fieldSelector);
        return (list.Items.Select(i => i.Metadata.Name).ToList(), list.Metadata.ResourceVersion);
    }

    protected override async IAsyncEnumerable<(string Type, string Name, string ResourceVersion)> WatchAsync(string fromVersion,
        [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        await foreach (var (type, item) in _client.CoreV1.WatchListNamespacedConfigMapAsync(Namespace, resourceVersion: fromVersion,
                           cancellationToken: cancellationToken))
            yield return (type.ToString().ToUpperInvariant(), item.Metadata.Name, item.Metadata.ResourceVersion);
    }

    protected override bool IsConflict(Exception e) => e is HttpOperationException { Response.StatusCode: HttpStatusCode.Conflict };

    private static V1ConfigMap FromJson(JsonObject item) => KubernetesJson.Deserialize<V1ConfigMap>(item.ToJsonString());

    private static JsonObject ToJson(V1ConfigMap item) => JsonNode.Parse(KubernetesJson.Serialize(item))!.AsObject();
}

/// <summary>A KubernetesClient for an in-process host, from the kubeconfig the host wrote.</summary>
public static class KubernetesClients
{
    public static k8s.Kubernetes For(FunctionHost host)
    {
        host.CreateClient().Dispose();
        var kubeconfig = host.Services.GetRequiredService<KubernetesApiHost>().KubeconfigPath;
        return new k8s.Kubernetes(KubernetesClientConfiguration.BuildConfigFromConfigFile(kubeconfig));
    }
}
