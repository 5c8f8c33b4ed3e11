using System.IO.Compression;
using System.Net;
using System.Text.Json.Nodes;
using Longhorn.Functions.ControlPlane.SystemBackups;
using Longhorn.Functions.Tests.Support;
using Microsoft.Extensions.DependencyInjection;
using YamlDotNet.RepresentationModel;

namespace Longhorn.Functions.Tests.SystemBackups;

/// <summary>What the system-backup tests share: requests through the API, the store's files, an independent zip and YAML reader.</summary>
public static class SystemBackupSupport
{
    public const int MiB = 1024 * 1024;

    /// <summary>POSTs a system backup (202 + Location) and polls it until Ready or Error; checks it is the expected one.</summary>
    public static async Task<JsonNode> SystemBackupAsync(this Api api, string name, string policy, string expect = "Ready")
    {
        var created = await api.SendAsync(HttpMethod.Post, "/api/systembackups", new { name, volumeBackupPolicy = policy }, HttpStatusCode.Accepted);
        Assert.Equal(name, (string?)created["name"]);
        return await api.WaitAsync($"/api/systembackups/{name}", s => (string?)s["state"] is "Ready" or "Error", $"system backup {name}",
            s => Assert.True(expect == (string?)s["state"], s.ToJsonString()));
    }

    /// <summary>The system backup's directory in the host's emulated NFS store (the default target).</summary>
    public static string StoreDirectory(FunctionHost host, string name, string version = "v1.10.0") =>
        Path.Combine(host.MountRoot, "127_0_0_1", "backupstore", "backupstore", "system-backups", version, name);

    /// <summary>Applies objects to the host's cluster through its sink (PVs, PVCs and other Kubernetes objects have no function of their own).</summary>
    public static async Task ApplyAsync(FunctionHost host, params JsonObject[] objects)
    {
        var sink = host.Services.GetRequiredService<IClusterObjectSink>();
        foreach (var item in objects) await sink.ApplyAsync(item, CancellationToken.None);
    }

    public static JsonObject Object(string apiVersion, string kind, string name, string? @namespace, JsonObject body)
    {
        var metadata = new JsonObject { ["name"] = name };
        if (@namespace is not null) metadata["namespace"] = @namespace;
        var result = new JsonObject { ["apiVersion"] = apiVersion, ["kind"] = kind, ["metadata"] = metadata };
        foreach (var (key, value) in body.ToList())
        {
            body.Remove(key);
            result[key] = value;
        }
        return result;
    }

    public static JsonObject LonghornPv(string name, string volume, string storageClass) => Object("v1", "PersistentVolume", name, null, new JsonObject
    {
        ["spec"] = new JsonObject
        {
            ["capacity"] = new JsonObject { ["storage"] = "8Mi" },
            ["accessModes"] = new JsonArray("ReadWriteOnce"),
            ["storageClassName"] = storageClass,
            ["csi"] = new JsonObject { ["driver"] = "driver.longhorn.io", ["volumeHandle"] = volume, ["fsType"] = "ext4" },
        },
    });

    public static JsonObject Pvc(string name, string @namespace, string storageClass, string volumeName) =>
        Object("v1", "PersistentVolumeClaim", name, @namespace, new JsonObject
        {
            ["spec"] = new JsonObject
            {
                ["accessModes"] = new JsonArray("ReadWriteOnce"),
                ["storageClassName"] = storageClass,
                ["volumeName"] = volumeName,
                ["resources"] = new JsonObject { ["requests"] = new JsonObject { ["storage"] = "8Mi" } },
            },
        });

    /// <summary>An independent reader: the zip's entries by name, each YAML file parsed by YamlDotNet's representation model.</summary>
    public static Dictionary<string, YamlMappingNode?> ReadZip(string zipPath)
    {
        using var zip = ZipFile.OpenRead(zipPath);
        var result = new Dictionary<string, YamlMappingNode?>(StringComparer.Ordinal);
        foreach (var entry in zip.Entries)
        {
            if (entry.FullName.EndsWith('/'))
            {
                result[entry.FullName] = null;
                continue;
            }
            using var reader = new StreamReader(entry.Open());
            var yaml = new YamlStream();
            yaml.Load(reader);
            result[entry.FullName] = (YamlMappingNode)yaml.Documents[0].RootNode;
        }
        return result;
    }

    public static string Scalar(this YamlMappingNode node, string key) =>
        node.Children.TryGetValue(new YamlScalarNode(key), out var value) ? ((YamlScalarNode)value).Value ?? "" : "";

    public static IReadOnlyList<YamlMappingNode> Items(this YamlMappingNode list) =>
        ((YamlSequenceNode)list.Children[new YamlScalarNode("items")]).Children.Cast<YamlMappingNode>().ToList();

    public static string ItemName(this YamlMappingNode item) => ((YamlMappingNode)item.Children[new YamlScalarNode("metadata")]).Scalar("name");

    /// <summary>The system-backup-* backups the API lists for the volume.</summary>
    public static async Task<List<string>> SystemBackupBackupsAsync(this Api api, string volume) =>
        (await api.ListAsync($"/api/backups?volume={volume}")).Select(b => (string)b["name"]!).Where(n => n.StartsWith("system-backup-", StringComparison.Ordinal))
        .ToList();
}
