using System.Net;
using System.Security.Cryptography;
using System.Text.Json.Nodes;
using Longhorn.Functions.Tests.Support;
using static Longhorn.Functions.Tests.SystemBackups.SystemBackupSupport;

namespace Longhorn.Functions.Tests.SystemBackups;

/// <summary>The bundle a system backup uploads, read back with System.IO.Compression and YamlDotNet only.</summary>
public sealed class BundleTests
{
    private static readonly string[] Files =
    [
        "apiextensions/customresourcedefinitions.yaml", "kubernetes/clusterrolebindings.yaml", "kubernetes/clusterroles.yaml", "kubernetes/configmaps.yaml",
        "kubernetes/daemonsets.yaml", "kubernetes/deployments.yaml", "kubernetes/persistentvolumeclaims.yaml", "kubernetes/persistentvolumes.yaml",
        "kubernetes/rolebindings.yaml", "kubernetes/roles.yaml", "kubernetes/serviceaccounts.yaml", "kubernetes/services.yaml",
        "kubernetes/storageclasses.yaml", "longhorn/backingimages.yaml", "longhorn/backuptargets.yaml", "longhorn/engineimages.yaml",
        "longhorn/recurringjobs.yaml", "longhorn/setting.yaml", "longhorn/volumes.yaml",
    ];

    [Fact]
    public async Task A_system_backup_uploads_longhorns_zip_of_filtered_lists_with_metadata_and_a_cfg_holding_its_sha256()
    {
        using var host = new FunctionHost();
        var api = host.Api;
        await api.WaitForSyncAsync();
        await api.CreateVolumeAsync(new { name = "vol1", size = 8L * MiB, labels = new Dictionary<string, string> { ["recurring-job.longhorn.io/nightly"] = "enabled" } });
        await api.WriteAsync("vol1", 0, Api.Pattern(MiB, seed: 1));
        await api.SendAsync(HttpMethod.Post, "/api/recurringjobs", new { name = "nightly", task = "backup", cron = "0 2 * * *", retain = 3 }, HttpStatusCode.Created);
        await api.SendAsync(HttpMethod.Put, "/api/settings/backup-concurrent-limit", new { value = "4" });
        await api.SendAsync(HttpMethod.Put, "/api/storageclasses/other", new { provisioner = "kubernetes.io/no-provisioner" });
        await ApplyAsync(host,
            LonghornPv("pv-vol1", "vol1", "longhorn"),
            Pvc("data", "default", "longhorn", "pv-vol1"),
            Object("v1", "PersistentVolume", "pv-local", null, new JsonObject
            {
                ["spec"] = new JsonObject { ["storageClassName"] = "other", ["local"] = new JsonObject { ["path"] = "/mnt" } },
            }),
            Pvc("local-data", "default", "other", "pv-local"),
            Object("v1", "ConfigMap", "app-config", "default", new JsonObject { ["data"] = new JsonObject { ["k"] = "v" } }),
            Object("rbac.authorization.k8s.io/v1", "ClusterRole", "kube-role", null, new JsonObject { ["rules"] = new JsonArray() }),
            Object("rbac.authorization.k8s.io/v1", "ClusterRoleBinding", "kube-binding", null, new JsonObject
            {
                ["roleRef"] = new JsonObject { ["apiGroup"] = "rbac.authorization.k8s.io", ["kind"] = "ClusterRole", ["name"] = "kube-role" },
                ["subjects"] = new JsonArray(new JsonObject { ["kind"] = "ServiceAccount", ["name"] = "default", ["namespace"] = "kube-system" }),
            }),
            Object("rbac.authorization.k8s.io/v1", "ClusterRole", "unbound-role", null, new JsonObject { ["rules"] = new JsonArray() }),
            Object("apiextensions.k8s.io/v1", "CustomResourceDefinition", "widgets.example.com", null, new JsonObject
            {
                ["spec"] = new JsonObject { ["group"] = "example.com", ["names"] = new JsonObject { ["kind"] = "Widget", ["plural"] = "widgets" } },
            }));

        var ready = await api.SystemBackupAsync("demo", "disabled");
        Assert.Equal("v1.10.0", (string?)ready["version"]);
        Assert.Equal("longhornio/longhorn-manager:v1.10.0", (string?)ready["managerImage"]);
        Assert.NotNull(ready["createdAt"]);

        var directory = StoreDirectory(host, "demo");
        Assert.Equal(["system-backup.cfg", "system-backup.zip"], Directory.GetFiles(directory).Select(Path.GetFileName).Order(StringComparer.Ordinal));
        var zipPath = Path.Combine(directory, "system-backup.zip");
        var cfg = JsonNode.Parse(File.ReadAllText(Path.Combine(directory, "system-backup.cfg")))!;
        Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(File.ReadAllBytes(zipPath))), (string?)cfg["Checksum"]);
        Assert.Equal(["Name", "LonghornVersion", "LonghornGitCommit", "BackupTargetURL", "ManagerImage", "EngineImage", "CreatedAt", "Checksum"],
            cfg.AsObject().Select(p => p.Key));
        Assert.Equal("demo", (string?)cfg["Name"]);
        Assert.Equal("nfs://127.0.0.1:/backupstore", (string?)cfg["BackupTargetURL"]);

        var zip = ReadZip(zipPath);
        string[] directories = ["demo/", "demo/yamls/", "demo/yamls/apiextensions/", "demo/yamls/kubernetes/", "demo/yamls/longhorn/"];
        Assert.Equal(directories.Concat(Files.Select(f => "demo/yamls/" + f)).Append("demo/metadata.yaml").Order(StringComparer.Ordinal),
            zip.Keys.Order(StringComparer.Ordinal));

        var metadata = zip["demo/metadata.yaml"]!;
        Assert.Equal(["longhornVersion", "longhornGitCommit", "kubernetesVersion", "longhornNamspaceUUID", "systemBackupCreatedAt", "managerImage"],
            metadata.Children.Keys.Select(k => ((YamlDotNet.RepresentationModel.YamlScalarNode)k).Value));
        Assert.Equal("v1.10.0", metadata.Scalar("longhornVersion"));
        Assert.True(Guid.TryParse(metadata.Scalar("longhornNamspaceUUID"), out _), metadata.Scalar("longhornNamspaceUUID"));

        var lists = Files.ToDictionary(f => f, f => zip["demo/yamls/" + f]!);
        string KindOf(string file) => lists[file].Scalar("kind");
        List<string> Names(string file) => lists[file].Items().Select(i => i.ItemName()).Order(StringComparer.Ordinal).ToList();
        Assert.All(lists.Values, l => Assert.NotEmpty(l.Scalar("apiVersion")));
        // Longhorn's swapped file names: clusterroles.yaml holds the bindings, clusterrolebindings.yaml the roles.
        Assert.Equal("ClusterRoleBindingList", KindOf("kubernetes/clusterroles.yaml"));
        Assert.Equal("ClusterRoleList", KindOf("kubernetes/clusterrolebindings.yaml"));
        Assert.Equal("SettingList", KindOf("longhorn/setting.yaml"));
        Assert.Equal("longhorn.io/v1beta2", lists["longhorn/volumes.yaml"].Scalar("apiVersion"));
        Assert.Equal("VolumeList", KindOf("longhorn/volumes.yaml"));
        Assert.Equal("CustomResourceDefinitionList", KindOf("apiextensions/customresourcedefinitions.yaml"));
        Assert.Equal("PersistentVolumeClaimList", KindOf("kubernetes/persistentvolumeclaims.yaml"));

        Assert.Equal(["vol1"], Names("longhorn/volumes.yaml"));
        Assert.Equal(["nightly"], Names("longhorn/recurringjobs.yaml"));
        Assert.Equal(["default"], Names("longhorn/backuptargets.yaml"));
        Assert.Contains("backup-concurrent-limit", Names("longhorn/setting.yaml"));
        Assert.Equal("4", lists["longhorn/setting.yaml"].Items().Single(i => i.ItemName() == "backup-concurrent-limit").Scalar("value"));
        Assert.Single(Names("longhorn/engineimages.yaml"));
        Assert.Empty(Names("longhorn/backingimages.yaml"));
        Assert.Equal(["longhorn"], Names("kubernetes/storageclasses.yaml"));
        Assert.Equal(["pv-vol1"], Names("kubernetes/persistentvolumes.yaml"));
        Assert.Equal(["data"], Names("kubernetes/persistentvolumeclaims.yaml"));
        Assert.DoesNotContain("app-config", Names("kubernetes/configmaps.yaml"));
        Assert.Contains("longhorn-default-setting", Names("kubernetes/configmaps.yaml"));
        Assert.Equal(["longhorn-bind", "longhorn-support-bundle"], Names("kubernetes/clusterroles.yaml"));
        // Roles are kept when any binding names them, Longhorn's or not; an unbound one is left out.
        Assert.Equal(["kube-role", "longhorn-role"], Names("kubernetes/clusterrolebindings.yaml"));
        var crds = Names("apiextensions/customresourcedefinitions.yaml");
        Assert.Contains("volumes.longhorn.io", crds);
        Assert.DoesNotContain("widgets.example.com", crds);
        Assert.Contains("longhorn-service-account", Names("kubernetes/serviceaccounts.yaml"));
        Assert.Equal(["longhorn-manager"], Names("kubernetes/daemonsets.yaml"));
        Assert.All(lists["kubernetes/services.yaml"].Items(), s => Assert.Equal("", ((YamlDotNet.RepresentationModel.YamlMappingNode)s.Children[new YamlDotNet.RepresentationModel.YamlScalarNode("spec")]).Scalar("clusterIP")));
        Assert.DoesNotContain("demo/yamls/longhorn/nodes.yaml", zip.Keys);

        // The volume's size stays a string in Longhorn's CRD shape.
        var volume = lists["longhorn/volumes.yaml"].Items().Single();
        var spec = (YamlDotNet.RepresentationModel.YamlMappingNode)volume.Children[new YamlDotNet.RepresentationModel.YamlScalarNode("spec")];
        Assert.Equal(YamlDotNet.Core.ScalarStyle.DoubleQuoted, ((YamlDotNet.RepresentationModel.YamlScalarNode)spec.Children[new YamlDotNet.RepresentationModel.YamlScalarNode("size")]).Style);
    }

    [Fact]
    public async Task A_system_backup_is_refused_without_an_available_default_target_and_defaults_its_policy()
    {
        using var host = new FunctionHost();
        var api = host.Api;
        await api.WaitForSyncAsync();
        var created = await api.SendAsync(HttpMethod.Post, "/api/systembackups", new { name = "defaults" }, HttpStatusCode.Accepted);
        Assert.Equal("if-not-present", (string?)created["volumeBackupPolicy"]);
        await api.SendAsync(HttpMethod.Post, "/api/systembackups", new { name = "bad", volumeBackupPolicy = "sometimes" }, HttpStatusCode.BadRequest);

        await api.SendAsync(HttpMethod.Put, "/api/backuptargets/default", new { backupTargetURL = "", pollInterval = 300 });
        await api.WaitAsync("/api/backuptargets/default", t => (bool?)t["available"] == false, "the target to be unset");
        var refused = await api.SendAsync(HttpMethod.Post, "/api/systembackups", new { name = "nowhere" }, HttpStatusCode.Conflict);
        Assert.Equal("backup target default is not available", (string?)refused["detail"]);
    }
}
