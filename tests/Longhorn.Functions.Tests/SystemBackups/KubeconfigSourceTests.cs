using System.Net;
using System.Text.Json.Nodes;
using Longhorn.Functions.Tests.Support;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using static Longhorn.Functions.Tests.SystemBackups.SystemBackupSupport;

namespace Longhorn.Functions.Tests.SystemBackups;

/// <summary>Bundles collected from a Kubernetes API server named by a kubeconfig (KubernetesClient against a small fake server).</summary>
public sealed class KubeconfigSourceTests : IAsyncLifetime
{
    private readonly Dictionary<string, JsonArray> _lists = new(StringComparer.Ordinal);
    private readonly List<string> _requests = [];
    private WebApplication _server = null!;
    private string _dir = "";

    public async Task InitializeAsync()
    {
        _dir = Directory.CreateTempSubdirectory("lh-kubeconfig-").FullName;
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        _server = builder.Build();
        _server.MapGet("/version", () => Results.Json(new { major = "1", minor = "31", gitVersion = "v1.31.4" }));
        _server.MapGet("/{**path}", (HttpContext context) =>
        {
            var path = context.Request.Path.Value!;
            lock (_requests) _requests.Add(path);
            var items = _lists.GetValueOrDefault(path) ?? [];
            return Results.Text(new JsonObject { ["apiVersion"] = "v1", ["kind"] = "List", ["metadata"] = new JsonObject(), ["items"] = items.DeepClone() }
                .ToJsonString(), "application/json");
        });
        await _server.StartAsync();
    }

    public async Task DisposeAsync()
    {
        await _server.DisposeAsync();
        FunctionHost.TryDelete(_dir);
    }

    private string Kubeconfig()
    {
        var url = _server.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        var path = Path.Combine(_dir, "kubeconfig");
        File.WriteAllText(path, $"""
            apiVersion: v1
            kind: Config
            clusters:
            - name: real
              cluster:
                server: {url}
            users:
            - name: admin
              user:
                token: secret-token
            contexts:
            - name: real
              context:
                cluster: real
                user: admin
            current-context: real
            """);
        return path;
    }

    [Fact]
    public async Task A_host_given_a_kubeconfig_bundles_that_clusters_longhorn_objects()
    {
        _lists["/api/v1/namespaces"] = [Object("v1", "Namespace", "longhorn-system", null, new JsonObject())];
        _lists["/api/v1/namespaces"][0]!["metadata"]!["uid"] = "0b7e5b1e-6a63-4b8e-9d1c-5e0f3a9d2c11";
        _lists["/apis/longhorn.io/v1beta2/namespaces/longhorn-system/volumes"] =
            [Object("longhorn.io/v1beta2", "Volume", "real-vol", "longhorn-system", new JsonObject { ["spec"] = new JsonObject { ["size"] = "2147483648" } })];
        _lists["/apis/storage.k8s.io/v1/storageclasses"] =
        [
            Object("storage.k8s.io/v1", "StorageClass", "longhorn", null, new JsonObject { ["provisioner"] = "driver.longhorn.io" }),
            Object("storage.k8s.io/v1", "StorageClass", "local-path", null, new JsonObject { ["provisioner"] = "rancher.io/local-path" }),
        ];
        _lists["/api/v1/persistentvolumes"] = [LonghornPv("pvc-123", "real-vol", "longhorn")];
        _lists["/api/v1/persistentvolumeclaims"] = [Pvc("www", "web", "longhorn", "pvc-123"), Pvc("cache", "web", "local-path", "pv-local")];
        using var host = new FunctionHost(settings: new Dictionary<string, string> { ["Longhorn:SystemBackupKubeconfig"] = Kubeconfig() });
        var api = host.Api;
        await api.WaitForSyncAsync();
        await api.CreateVolumeAsync(new { name = "host-vol", size = 4L * MiB });

        await api.SystemBackupAsync("real", "disabled");
        var zip = ReadZip(Path.Combine(StoreDirectory(host, "real"), "system-backup.zip"));
        Assert.Equal(["real-vol"], zip["real/yamls/longhorn/volumes.yaml"]!.Items().Select(i => i.ItemName()));
        Assert.Equal("2147483648", ((YamlDotNet.RepresentationModel.YamlMappingNode)zip["real/yamls/longhorn/volumes.yaml"]!.Items()[0]
            .Children[new YamlDotNet.RepresentationModel.YamlScalarNode("spec")]).Scalar("size"));
        Assert.Equal(["longhorn"], zip["real/yamls/kubernetes/storageclasses.yaml"]!.Items().Select(i => i.ItemName()));
        Assert.Equal(["www"], zip["real/yamls/kubernetes/persistentvolumeclaims.yaml"]!.Items().Select(i => i.ItemName()));
        Assert.Equal("PersistentVolumeClaim", zip["real/yamls/kubernetes/persistentvolumeclaims.yaml"]!.Items()[0].Scalar("kind"));
        Assert.Equal("v1.31.4", zip["real/metadata.yaml"]!.Scalar("kubernetesVersion"));
        Assert.Equal("0b7e5b1e-6a63-4b8e-9d1c-5e0f3a9d2c11", zip["real/metadata.yaml"]!.Scalar("longhornNamspaceUUID"));
        lock (_requests)
        {
            Assert.Contains("/apis/rbac.authorization.k8s.io/v1/clusterrolebindings", _requests);
            Assert.Contains("/api/v1/namespaces/longhorn-system/serviceaccounts", _requests);
        }
    }
}
