using System.Net;
using k8s;
using k8s.Autorest;
using k8s.Models;
using Longhorn.Functions.Tests.Support;

namespace Longhorn.Functions.Tests.Kubernetes;

/// <summary>KubernetesClient 21.0.8 against the host: typed calls for core kinds, the generic client for Longhorn's.</summary>
public sealed class KubernetesClientTests : IDisposable
{
    private readonly FunctionHost _host = new();
    private readonly k8s.Kubernetes _client;

    public KubernetesClientTests() => _client = KubernetesClients.For(_host);

    public void Dispose()
    {
        _client.Dispose();
        _host.Dispose();
    }

    [Fact]
    public async Task Typed_calls_read_and_write_core_kinds()
    {
        var namespaces = await _client.CoreV1.ListNamespaceAsync();
        Assert.Contains(namespaces.Items, n => n.Metadata.Name == "longhorn-system");
        Assert.Contains(namespaces.Items, n => n.Metadata.Name == "default");

        var secret = await _client.CoreV1.CreateNamespacedSecretAsync(new V1Secret
        {
            Metadata = new V1ObjectMeta { Name = "typed", NamespaceProperty = "longhorn-system" },
            StringData = new Dictionary<string, string> { ["AWS_ACCESS_KEY_ID"] = "key-id" },
        }, "longhorn-system");
        Assert.Equal("key-id", System.Text.Encoding.UTF8.GetString(secret.Data["AWS_ACCESS_KEY_ID"]));

        var pvc = await _client.CoreV1.CreateNamespacedPersistentVolumeClaimAsync(new V1PersistentVolumeClaim
        {
            Metadata = new V1ObjectMeta { Name = "data", NamespaceProperty = "default" },
            Spec = new V1PersistentVolumeClaimSpec
            {
                AccessModes = ["ReadWriteOnce"],
                StorageClassName = "longhorn",
                Resources = new V1VolumeResourceRequirements { Requests = new Dictionary<string, ResourceQuantity> { ["storage"] = new("2Gi") } },
            },
        }, "default");
        Assert.Equal("2Gi", (await _client.CoreV1.ReadNamespacedPersistentVolumeClaimAsync("data", "default")).Spec.Resources.Requests["storage"].ToString());

        var missing = await Assert.ThrowsAsync<HttpOperationException>(() => _client.CoreV1.ReadNamespacedConfigMapAsync("nope", "longhorn-system"));
        Assert.Equal(HttpStatusCode.NotFound, missing.Response.StatusCode);
        Assert.Contains("configmaps \\\"nope\\\" not found", missing.Response.Content);
    }

    [Fact]
    public async Task The_generic_client_reads_longhorns_kinds_the_http_functions_made_and_makes_ones_they_read()
    {
        await _host.Api.PostAsync("/api/recurringjobs", new { name = "hourly", task = "snapshot", cron = "0 * * * *", retain = 2, groups = new[] { "default" } });
        using var jobs = new GenericClient(_client, "longhorn.io", "v1beta2", "recurringjobs");
        var list = await jobs.ListNamespacedAsync<CustomResourceList<LonghornObject>>("longhorn-system");
        var job = Assert.Single(list.Items);
        Assert.Equal("hourly", job.Metadata.Name);
        Assert.Equal("snapshot", job.Spec!["task"]!.ToString());

        var made = await jobs.CreateNamespacedAsync(new LonghornObject
        {
            ApiVersion = "longhorn.io/v1beta2",
            Kind = "RecurringJob",
            Metadata = new V1ObjectMeta { Name = "weekly" },
            Spec = new Dictionary<string, object> { ["task"] = "backup", ["cron"] = "0 0 * * 0", ["retain"] = 4, ["groups"] = new[] { "default" } },
        }, "longhorn-system");
        Assert.Equal("weekly", made.Metadata.Name);
        var seen = await _host.Api.GetAsync("/api/recurringjobs/weekly");
        Assert.Equal("backup", (string?)seen["task"]);
        Assert.Equal(4, (int?)seen["retain"]);
    }

    [Fact]
    public async Task A_watch_with_a_label_selector_sees_an_object_leave_as_deleted_and_come_back_as_added()
    {
        V1ConfigMap Map(string app) => new() { Metadata = new V1ObjectMeta { Name = "m", Labels = new Dictionary<string, string> { ["app"] = app } } };
        var first = await _client.CoreV1.CreateNamespacedConfigMapAsync(Map("a"), "default");
        using var stop = new CancellationTokenSource(Api.Patience);
        var events = new List<(string Type, string App)>();
        var watching = Task.Run(async () =>
        {
            await foreach (var (type, item) in _client.CoreV1.WatchListNamespacedConfigMapAsync("default", labelSelector: "app=a",
                               resourceVersion: first.Metadata.ResourceVersion, cancellationToken: stop.Token))
            {
                lock (events) events.Add((type.ToString(), item.Metadata.Labels["app"]));
                if (events.Count == 3) return;
            }
        });
        var moved = await _client.CoreV1.PatchNamespacedConfigMapAsync(new V1Patch("""{"metadata":{"labels":{"app":"b"}}}""", V1Patch.PatchType.MergePatch), "m", "default");
        await _client.CoreV1.PatchNamespacedConfigMapAsync(new V1Patch("""{"data":{"k":"v"}}""", V1Patch.PatchType.MergePatch), "m", "default");
        await _client.CoreV1.PatchNamespacedConfigMapAsync(new V1Patch("""{"metadata":{"labels":{"app":"a"}}}""", V1Patch.PatchType.MergePatch), "m", "default");
        await _client.CoreV1.DeleteNamespacedConfigMapAsync("m", "default");
        await watching.WaitAsync(stop.Token);
        // Leaves (shown with its new labels), the change made outside the selection is not seen, comes back, is deleted.
        Assert.Equal([("Deleted", "b"), ("Added", "a"), ("Deleted", "a")], events);
        Assert.Equal("b", moved.Metadata.Labels["app"]);
    }
}

/// <summary>A Longhorn custom resource as untyped spec and status, for the generic client.</summary>
public sealed class LonghornObject : IKubernetesObject<V1ObjectMeta>
{
    [System.Text.Json.Serialization.JsonPropertyName("apiVersion")]
    public string ApiVersion { get; set; } = "";

    [System.Text.Json.Serialization.JsonPropertyName("kind")]
    public string Kind { get; set; } = "";

    [System.Text.Json.Serialization.JsonPropertyName("metadata")]
    public V1ObjectMeta Metadata { get; set; } = new();

    [System.Text.Json.Serialization.JsonPropertyName("spec")]
    public Dictionary<string, object>? Spec { get; set; }

    [System.Text.Json.Serialization.JsonPropertyName("status")]
    public Dictionary<string, object>? Status { get; set; }
}

/// <summary>A list of custom resources.</summary>
public sealed class CustomResourceList<T> : IKubernetesObject<V1ListMeta>
{
    [System.Text.Json.Serialization.JsonPropertyName("apiVersion")]
    public string ApiVersion { get; set; } = "";

    [System.Text.Json.Serialization.JsonPropertyName("kind")]
    public string Kind { get; set; } = "";

    [System.Text.Json.Serialization.JsonPropertyName("metadata")]
    public V1ListMeta Metadata { get; set; } = new();

    [System.Text.Json.Serialization.JsonPropertyName("items")]
    public List<T> Items { get; set; } = [];
}
