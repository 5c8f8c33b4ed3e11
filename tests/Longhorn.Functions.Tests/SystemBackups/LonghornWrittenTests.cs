using System.IO.Compression;
using System.Net;
using System.Security.Cryptography;
using System.Text;
using Longhorn.Functions.ControlPlane.SystemBackups;
using Longhorn.Functions.Tests.Support;
using Microsoft.Extensions.DependencyInjection;
using static Longhorn.Functions.Tests.SystemBackups.SystemBackupSupport;

namespace Longhorn.Functions.Tests.SystemBackups;

/// <summary>A system backup as real Longhorn writes it (zip -r layout, Go's YAML and cfg) is listed and restored here.</summary>
public sealed class LonghornWrittenTests
{
    private static readonly Dictionary<string, string> Yamls = new()
    {
        ["metadata.yaml"] = """
            longhornVersion: v1.8.1
            longhornGitCommit: 3c0a0e1d
            kubernetesVersion: v1.30.2+k3s1
            longhornNamspaceUUID: 5a9e3c1e-0d1f-4a4b-9f0e-2b6d7c8e9f01
            systemBackupCreatedAt: "2025-03-01T10:20:30Z"
            managerImage: longhornio/longhorn-manager:v1.8.1
            """,
        ["yamls/longhorn/volumes.yaml"] = """
            apiVersion: longhorn.io/v1beta2
            items:
            - metadata:
                labels:
                  recurring-job.longhorn.io/weekly: enabled
                name: legacy
                namespace: longhorn-system
              spec:
                Standby: false
                accessMode: rwo
                backupCompressionMethod: lz4
                dataEngine: v1
                frontend: blockdev
                numberOfReplicas: 3
                size: "16777216"
              status:
                lastBackup: ""
                state: detached
            kind: VolumeList
            metadata: {}
            """,
        ["yamls/longhorn/recurringjobs.yaml"] = """
            apiVersion: longhorn.io/v1beta2
            items:
            - metadata:
                name: weekly
                namespace: longhorn-system
              spec:
                concurrency: 2
                cron: 0 3 * * 0
                groups: []
                labels: {}
                name: weekly
                retain: 4
                task: snapshot
            kind: RecurringJobList
            metadata: {}
            """,
        ["yamls/longhorn/setting.yaml"] = """
            apiVersion: longhorn.io/v1beta2
            items:
            - metadata:
                name: failed-backup-ttl
                namespace: longhorn-system
              value: "60"
            - metadata:
                name: backup-target
                namespace: longhorn-system
              value: s3://elsewhere@us-east-1/
            - metadata:
                name: some-setting-of-a-newer-longhorn
                namespace: longhorn-system
              value: "true"
            kind: SettingList
            metadata: {}
            """,
        ["yamls/kubernetes/storageclasses.yaml"] = """
            apiVersion: storage.k8s.io/v1
            items:
            - allowVolumeExpansion: true
              metadata:
                name: longhorn-fast
              parameters:
                numberOfReplicas: "2"
              provisioner: driver.longhorn.io
              reclaimPolicy: Delete
            kind: StorageClassList
            metadata: {}
            """,
        ["yamls/kubernetes/clusterroles.yaml"] = """
            apiVersion: rbac.authorization.k8s.io/v1
            items:
            - metadata:
                name: longhorn-bind
              roleRef:
                apiGroup: rbac.authorization.k8s.io
                kind: ClusterRole
                name: longhorn-role
              subjects:
              - kind: ServiceAccount
                name: longhorn-service-account
                namespace: longhorn-system
            kind: ClusterRoleBindingList
            metadata: {}
            """,
    };

    [Fact]
    public async Task A_longhorn_written_system_backup_syncs_as_ready_with_its_cfg_and_restores_here()
    {
        using var host = new FunctionHost();
        var api = host.Api;
        await api.WaitForSyncAsync();
        var directory = StoreDirectory(host, "lh-made", "v1.8.1");
        Directory.CreateDirectory(directory);
        var zipPath = Path.Combine(directory, "system-backup.zip");
        using (var zip = ZipFile.Open(zipPath, ZipArchiveMode.Create))
        {
            foreach (var folder in new[] { "lh-made/", "lh-made/yamls/", "lh-made/yamls/kubernetes/", "lh-made/yamls/longhorn/" }) zip.CreateEntry(folder);
            foreach (var (file, text) in Yamls)
            {
                using var writer = new StreamWriter(zip.CreateEntry("lh-made/" + file).Open(), new UTF8Encoding(false));
                writer.Write(text + "\n");
            }
        }
        var checksum = Convert.ToHexStringLower(SHA256.HashData(File.ReadAllBytes(zipPath)));
        File.WriteAllText(Path.Combine(directory, "system-backup.cfg"),
            "{\"Name\":\"lh-made\",\"LonghornVersion\":\"v1.8.1\",\"LonghornGitCommit\":\"3c0a0e1d\",\"BackupTargetURL\":\"nfs://127.0.0.1:/backupstore\"," +
            "\"ManagerImage\":\"longhornio/longhorn-manager:v1.8.1\",\"EngineImage\":\"longhornio/longhorn-engine:v1.8.1\"," +
            $"\"CreatedAt\":\"2025-03-01T10:20:30.123456789Z\",\"Checksum\":\"{checksum}\"}}");

        host.Clock.Advance(TimeSpan.FromSeconds(11));
        await api.PostAsync("/api/backuptargets/default/sync");
        await api.WaitForSyncAsync();
        var pulled = await api.WaitAsync("/api/systembackups/lh-made", s => (string?)s["state"] is "Ready" or "Error", "the pulled system backup",
            s => Assert.True((string?)s["state"] == "Ready", s.ToJsonString()));
        Assert.Equal("v1.8.1", (string?)pulled["version"]);
        Assert.Equal("3c0a0e1d", (string?)pulled["gitCommit"]);
        Assert.Equal("longhornio/longhorn-manager:v1.8.1", (string?)pulled["managerImage"]);
        Assert.Equal(new DateTimeOffset(2025, 3, 1, 10, 20, 30, TimeSpan.Zero).AddTicks(1234567), DateTimeOffset.Parse((string)pulled["createdAt"]!));

        await api.SendAsync(HttpMethod.Post, "/api/systemrestores", new { name = "from-longhorn", systemBackup = "lh-made" }, HttpStatusCode.Accepted);
        await api.WaitAsync("/api/systemrestores/from-longhorn", r => (string?)r["state"] is "Completed" or "Error", "the restore",
            r => Assert.True((string?)r["state"] == "Completed", r.ToJsonString()));
        var volume = await api.GetAsync("/api/volumes/legacy");
        Assert.Equal(16L * MiB, (long)volume["size"]!);
        Assert.Equal("enabled", (string?)volume["labels"]!["recurring-job.longhorn.io/weekly"]);
        var job = await api.GetAsync("/api/recurringjobs/weekly");
        Assert.Equal(("0 3 * * 0", 4, 2), ((string?)job["cron"], (int)job["retain"]!, (int)job["concurrency"]!));
        var settings = (await api.ListAsync("/api/settings")).ToDictionary(s => (string)s["name"]!, s => (string?)s["value"]);
        Assert.Equal("60", settings["failed-backup-ttl"]);
        Assert.Equal("nfs://127.0.0.1:/backupstore", (string?)(await api.GetAsync("/api/backuptargets/default"))["backupTargetURL"]);
        Assert.Equal("2", (string?)(await api.GetAsync("/api/storageclasses/longhorn-fast"))["parameters"]!["numberOfReplicas"]);
        var bindings = await host.Services.GetRequiredService<IClusterObjectSource>()
            .ListAsync("rbac.authorization.k8s.io/v1", "ClusterRoleBinding", null, CancellationToken.None);
        Assert.Contains(bindings, b => (string?)b["metadata"]!["name"] == "longhorn-bind" && (string?)b["roleRef"]!["name"] == "longhorn-role");
    }
}
