using System.Net;
using System.Text.Json.Nodes;
using Longhorn.Functions.ControlPlane.SystemBackups;
using Longhorn.Functions.Tests.Support;
using Longhorn.Functions.ControlPlane.SystemRestores;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using static Longhorn.Functions.Tests.SystemBackups.SystemBackupSupport;

namespace Longhorn.Functions.Tests.SystemBackups;

/// <summary>A system backup restored into a fresh host on the same target (spec §5.6).</summary>
public sealed class SystemRestoreTests
{
    [Fact]
    public async Task A_fresh_host_gets_back_volumes_byte_exact_with_jobs_settings_storage_class_pvs_and_pvcs()
    {
        using var first = new FunctionHost();
        var a = first.Api;
        await a.WaitForSyncAsync();
        await a.SendAsync(HttpMethod.Post, "/api/recurringjobs", new { name = "nightly", task = "backup", cron = "0 2 * * *", retain = 3, groups = new[] { "gold" } },
            HttpStatusCode.Created);
        await a.SendAsync(HttpMethod.Put, "/api/storageclasses/longhorn-gold", new
        {
            parameters = new Dictionary<string, string> { ["recurringJobSelector"] = """[{"name":"gold","isGroup":true}]""", ["numberOfReplicas"] = "2" },
        });
        await a.CreateVolumeAsync(new { name = "db", size = 8L * MiB, labels = new Dictionary<string, string> { ["recurring-job-group.longhorn.io/gold"] = "enabled" } });
        await a.CreateVolumeAsync(new { name = "logs", size = 4L * MiB, backupCompressionMethod = "gzip" });
        var db = Api.Pattern(3 * MiB, seed: 31);
        var logs = Api.Pattern(MiB, seed: 32);
        await a.WriteAsync("db", MiB, db);
        await a.WriteAsync("logs", 0, logs);
        await a.SendAsync(HttpMethod.Put, "/api/settings/backup-concurrent-limit", new { value = "3" });
        await a.SendAsync(HttpMethod.Put, "/api/settings/snapshot-max-count", new { value = "100" });
        await ApplyAsync(first, LonghornPv("pv-db", "db", "longhorn-gold"), Pvc("db-data", "apps", "longhorn-gold", "pv-db"));
        await a.SystemBackupAsync("everything", "always");
        // Written after the system backup: not in the last backup, so not restored.
        await a.WriteAsync("db", 0, Api.Pattern(4096, seed: 33));

        using var second = new FunctionHost(mountRoot: first.MountRoot);
        var b = second.Api;
        await b.WaitForSyncAsync();
        await b.WaitAsync("/api/systembackups/everything", s => (string?)s["state"] == "Ready", "the system backup to be pulled");
        var restore = await b.SendAsync(HttpMethod.Post, "/api/systemrestores", new { name = "back", systemBackup = "everything" }, HttpStatusCode.Accepted);
        Assert.Equal("everything", (string?)restore["systemBackup"]);
        var done = await b.WaitAsync("/api/systemrestores/back", r => (string?)r["state"] is "Completed" or "Error", "the system restore",
            r => Assert.True((string?)r["state"] == "Completed", r.ToJsonString()));
        Assert.EndsWith("/backupstore/system-backups/v1.10.0/everything", (string?)done["sourceURL"]);

        await b.WaitForRestoreAsync("db");
        await b.WaitForRestoreAsync("logs");
        var dbExpected = new byte[8 * MiB];
        db.CopyTo(dbExpected, MiB);
        Assert.Equal(dbExpected, await b.ReadAsync("db", 0, 8 * MiB));
        var logsExpected = new byte[4 * MiB];
        logs.CopyTo(logsExpected, 0);
        Assert.Equal(logsExpected, await b.ReadAsync("logs", 0, 4 * MiB));
        var restoredDb = await b.GetAsync("/api/volumes/db");
        Assert.Equal("enabled", (string?)restoredDb["labels"]!["recurring-job-group.longhorn.io/gold"]);

        var job = await b.GetAsync("/api/recurringjobs/nightly");
        Assert.Equal(["gold"], job["groups"]!.AsArray().Select(g => (string?)g));
        Assert.Equal(3, (int)job["retain"]!);
        var settings = (await b.ListAsync("/api/settings")).ToDictionary(s => (string)s["name"]!, s => (string?)s["value"]);
        Assert.Equal("3", settings["backup-concurrent-limit"]);
        Assert.Equal("100", settings["snapshot-max-count"]);
        var storageClass = await b.GetAsync("/api/storageclasses/longhorn-gold");
        Assert.Equal("2", (string?)storageClass["parameters"]!["numberOfReplicas"]);

        var source = second.Services.GetRequiredService<IClusterObjectSource>();
        var pv = Assert.Single(await source.ListAsync("v1", "PersistentVolume", null, CancellationToken.None));
        Assert.Equal("db", (string?)pv["spec"]!["csi"]!["volumeHandle"]);
        var pvc = Assert.Single(await source.ListAsync("v1", "PersistentVolumeClaim", null, CancellationToken.None));
        Assert.Equal(("db-data", "apps", "pv-db"), ((string?)pvc["metadata"]!["name"], (string?)pvc["metadata"]!["namespace"], (string?)pvc["spec"]!["volumeName"]));
    }

    [Fact]
    public async Task A_restore_applies_kinds_in_longhorns_order_never_applies_excluded_settings_and_leaves_existing_volumes_alone()
    {
        var applied = new List<(string Kind, string Name)>();
        using var host = new FunctionHost(services: services =>
        {
            services.Replace(ServiceDescriptor.Singleton<IClusterObjectSource>(sp =>
                new ExtraSettings(ActivatorUtilities.CreateInstance<ResourceClusterObjectSource>(sp))));
            services.Replace(ServiceDescriptor.Singleton<IClusterObjectSink>(sp =>
                new Recording(ActivatorUtilities.CreateInstance<ResourceClusterObjectSink>(sp), applied)));
        });
        var api = host.Api;
        await api.WaitForSyncAsync();
        await api.CreateVolumeAsync(new { name = "live", size = 4L * MiB });
        await api.WriteAsync("live", 0, Api.Pattern(MiB, seed: 41));
        await api.SendAsync(HttpMethod.Post, "/api/recurringjobs", new { name = "hourly", task = "snapshot", cron = "0 * * * *", retain = 2 }, HttpStatusCode.Created);
        await ApplyAsync(host, LonghornPv("pv-live", "live", "longhorn"), Pvc("live-data", "default", "longhorn", "pv-live"));
        await api.SystemBackupAsync("snap", "always");
        var after = Api.Pattern(MiB, seed: 42);
        await api.WriteAsync("live", 0, after);
        applied.Clear();

        await api.SendAsync(HttpMethod.Post, "/api/systemrestores", new { name = "again", systemBackup = "snap" }, HttpStatusCode.Accepted);
        await api.WaitAsync("/api/systemrestores/again", r => (string?)r["state"] is "Completed" or "Error", "the restore",
            r => Assert.True((string?)r["state"] == "Completed", r.ToJsonString()));

        Assert.Equal(after, await api.ReadAsync("live", 0, MiB));
        Assert.DoesNotContain(applied, a => a.Kind == "Volume");
        var settings = applied.Where(a => a.Kind == "Setting").Select(a => a.Name).ToList();
        Assert.Contains("backup-concurrent-limit", settings);
        Assert.DoesNotContain("backup-target", settings);
        Assert.DoesNotContain("concurrent-replica-rebuild-per-node-limit", settings);
        int Last(string kind) => applied.FindLastIndex(a => a.Kind == kind);
        int First(string kind) => applied.FindIndex(a => a.Kind == kind);
        Assert.True(Last("CustomResourceDefinition") < First("Setting") && Last("Setting") < First("RecurringJob") && Last("RecurringJob") < First("PersistentVolume")
                    && Last("PersistentVolume") < First("PersistentVolumeClaim") && First("CustomResourceDefinition") >= 0,
            string.Join(", ", applied.Select(a => a.Kind).Distinct()));
    }

    /// <summary>A cluster whose settings include ones a restore must skip, as a real Longhorn's bundle does.</summary>
    private sealed class ExtraSettings(IClusterObjectSource inner) : IClusterObjectSource
    {
        public async Task<IReadOnlyList<JsonObject>> ListAsync(string apiVersion, string kind, string? @namespace, CancellationToken cancellationToken)
        {
            var items = (await inner.ListAsync(apiVersion, kind, @namespace, cancellationToken)).ToList();
            if (kind != "Setting") return items;
            foreach (var name in new[] { "backup-target", "concurrent-replica-rebuild-per-node-limit" })
            {
                items.Add(Object("longhorn.io/v1beta2", "Setting", name, "longhorn-system", new JsonObject { ["value"] = "x" }));
            }
            return items;
        }

        public Task<string> GetKubernetesVersionAsync(CancellationToken cancellationToken) => inner.GetKubernetesVersionAsync(cancellationToken);
    }

    /// <summary>Records what the restore applies, in order, and applies it.</summary>
    private sealed class Recording(IClusterObjectSink inner, List<(string Kind, string Name)> applied) : IClusterObjectSink
    {
        public Task ApplyAsync(JsonObject item, CancellationToken cancellationToken)
        {
            lock (applied) applied.Add(((string)item["kind"]!, (string)item["metadata"]!["name"]!));
            return inner.ApplyAsync(item, cancellationToken);
        }
    }
}
