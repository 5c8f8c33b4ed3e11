using Longhorn.Functions.Tests.Support;

namespace Longhorn.Functions.Tests.Kubernetes;

/// <summary>Every Longhorn kind through kubectl: get shows Longhorn's columns and the object, describe its fields, delete removes it.</summary>
[RequiresTool("kubectl")]
public sealed class KubectlKindsTests : IDisposable
{
    private const int MiB = 1024 * 1024;
    private readonly FunctionHost _host = new();
    private readonly Kubectl _kubectl;

    public KubectlKindsTests() => _kubectl = Kubectl.For(_host);

    public void Dispose() => _host.Dispose();

    [ToolFact]
    public async Task Each_longhorn_kind_is_listed_described_and_deleted_with_kubectl()
    {
        var api = _host.Api;
        await api.WaitForSyncAsync();
        await api.CreateVolumeAsync(new { name = "vol1", size = 8L * MiB });
        await api.WriteAsync("vol1", 0, Api.Pattern(2 * MiB, seed: 5));
        var backup = (string)(await api.BackupAsync("vol1"))["name"]!;
        var snapshot = (string)(await api.GetAsync($"/api/backups/{backup}"))["snapshotName"]!;
        await api.PostAsync("/api/backuptargets/default/sync");
        await Api.EventuallyAsync(async () => (await api.ListAsync("/api/backupvolumes")).Count == 1, "the backup volume to be synced");
        var backupVolume = (string)(await api.ListAsync("/api/backupvolumes"))[0]["name"]!;
        await api.PostAsync("/api/recurringjobs", new { name = "hourly", task = "snapshot", cron = "0 * * * *", retain = 1, groups = new[] { "default" } });
        await _kubectl.OkAsync("create", "-f", Kubectl.ManifestPath("systembackup-demo.yaml"));
        await api.WaitAsync("/api/systembackups/demo", b => (string?)b["state"] is "Ready" or "Error", "the system backup");
        await _kubectl.RunWithInputAsync("""
            apiVersion: longhorn.io/v1beta2
            kind: SystemRestore
            metadata:
              name: restore1
            spec:
              systemBackup: demo
            """, "create", "-f", "-");
        await _kubectl.RunWithInputAsync("""
            apiVersion: longhorn.io/v1beta2
            kind: BackingImage
            metadata:
              name: image1
            spec:
              sourceType: download
              sourceParameters:
                url: https://example.invalid/image.qcow2
            """, "create", "-f", "-");

        var kinds = new (string Plural, string Kind, string Name, string Header)[]
        {
            ("backuptargets", "BackupTarget", "default", "NAME +URL +CREDENTIAL +INTERVAL +AVAILABLE +LASTSYNCEDAT"),
            ("backupvolumes", "BackupVolume", backupVolume, "NAME +BACKUPTARGET +CREATEDAT +LASTBACKUPNAME +LASTBACKUPAT +LASTSYNCEDAT"),
            ("backups", "Backup", backup, "NAME +SNAPSHOTNAME +SNAPSHOTSIZE +SNAPSHOTCREATEDAT +BACKUPTARGET +STATE +LASTSYNCEDAT"),
            ("snapshots", "Snapshot", snapshot, "NAME +VOLUME +CREATIONTIME +READYTOUSE +RESTORESIZE +SIZE +AGE"),
            ("volumes", "Volume", "vol1", "NAME +DATA ENGINE +STATE +ROBUSTNESS +SIZE +NODE +AGE"),
            ("recurringjobs", "RecurringJob", "hourly", "NAME +GROUPS +TASK +CRON +RETAIN +CONCURRENCY +AGE +LABELS"),
            ("systembackups", "SystemBackup", "demo", "NAME +VERSION +STATE +CREATED"),
            ("systemrestores", "SystemRestore", "restore1", "NAME +SYSTEMBACKUP +STATE +AGE"),
            ("settings", "Setting", null!, "NAME +VALUE +APPLIED +AGE"),
            ("backingimages", "BackingImage", "image1", "NAME +UUID +SOURCETYPE +SIZE +VIRTUALSIZE +AGE"),
            ("engineimages", "EngineImage", null!, "NAME +INCOMPATIBLE +STATE +IMAGE +REFCOUNT +BUILDDATE +AGE"),
        };
        foreach (var (plural, kind, given, header) in kinds)
        {
            var lines = (await _kubectl.OkAsync("get", plural)).Split('\n', StringSplitOptions.RemoveEmptyEntries);
            Assert.Matches($"^{header}$", lines[0]);
            var name = given ?? lines[1].Split(' ')[0];
            Assert.Contains(lines.Skip(1), l => l.StartsWith(name + " ", StringComparison.Ordinal));
            var described = await _kubectl.OkAsync("describe", plural, name);
            Assert.Matches($"(?m)^Name: +{System.Text.RegularExpressions.Regex.Escape(name)}$", described);
            Assert.Matches("(?m)^Namespace: +longhorn-system$", described);
            Assert.Matches("(?m)^API Version: +longhorn.io/v1beta2$", described);
            Assert.Matches($"(?m)^Kind: +{kind}$", described);
        }

        Assert.Equal("backingimage.longhorn.io \"image1\" deleted", (await _kubectl.OkAsync("delete", "backingimage", "image1")).Trim());
        Assert.Contains("No resources found", (await _kubectl.RunAsync("get", "backingimages")).Err);
        Assert.Equal("recurringjob.longhorn.io \"hourly\" deleted", (await _kubectl.OkAsync("delete", "lhrj", "hourly")).Trim());
        await api.SendAsync(HttpMethod.Get, "/api/recurringjobs/hourly", expect: System.Net.HttpStatusCode.NotFound);
        Assert.Equal("systemrestore.longhorn.io \"restore1\" deleted", (await _kubectl.OkAsync("delete", "lhsr", "restore1")).Trim());
        await api.SendAsync(HttpMethod.Get, "/api/systemrestores/restore1", expect: System.Net.HttpStatusCode.NotFound);
        Assert.Equal("systembackup.longhorn.io \"demo\" deleted", (await _kubectl.OkAsync("delete", "lhsb", "demo")).Trim());
        await Api.EventuallyAsync(async () => (await _kubectl.RunAsync("get", "lhsb", "demo")).Err.Contains("NotFound", StringComparison.Ordinal),
            "the system backup to leave the cluster");

        // The backup first: its snapshot cannot go while a backup reads it, and the backup volume keeps the rest.
        Assert.Equal($"backup.longhorn.io \"{backup}\" deleted", (await _kubectl.OkAsync("delete", "lhb", backup)).Trim());
        await api.SendAsync(HttpMethod.Get, $"/api/backups/{backup}", expect: System.Net.HttpStatusCode.NotFound);
        Assert.Equal($"snapshot.longhorn.io \"{snapshot}\" deleted", (await _kubectl.OkAsync("delete", "lhsnap", snapshot)).Trim());
        Assert.DoesNotContain((await api.ListAsync("/api/volumes/vol1/snapshots")), s => (string?)s["name"] == snapshot);
        int VolumeCfgs() => Directory.EnumerateFiles(_host.MountRoot, "volume.cfg", SearchOption.AllDirectories).Count();
        Assert.Equal(1, VolumeCfgs());
        Assert.Equal($"backupvolume.longhorn.io \"{backupVolume}\" deleted", (await _kubectl.OkAsync("delete", "lhbv", backupVolume)).Trim());
        await Api.EventuallyAsync(async () => (await api.ListAsync("/api/backupvolumes")).Count == 0, "the backup volume to be deleted");
        Assert.Equal(0, VolumeCfgs());
        Assert.Equal("volume.longhorn.io \"vol1\" deleted", (await _kubectl.OkAsync("delete", "lhv", "vol1")).Trim());
        await api.SendAsync(HttpMethod.Get, "/api/volumes/vol1", expect: System.Net.HttpStatusCode.NotFound);

        // Settings: deleting one puts its default back, as Longhorn's manager recreates a missing setting.
        await api.SendAsync(HttpMethod.Put, "/api/settings/backup-concurrent-limit", new { value = "7" });
        Assert.Equal("7", await _kubectl.OkAsync("get", "setting", "backup-concurrent-limit", "-o", "jsonpath={.value}"));
        Assert.Equal("setting.longhorn.io \"backup-concurrent-limit\" deleted", (await _kubectl.OkAsync("delete", "setting", "backup-concurrent-limit")).Trim());
        Assert.Equal("2", await _kubectl.OkAsync("get", "setting", "backup-concurrent-limit", "-o", "jsonpath={.value}"));

        // The install's engine image and the default target stay; another target goes, taking its cluster objects only.
        var engineImage = (await _kubectl.OkAsync("get", "engineimages", "-o", "jsonpath={.items[0].metadata.name}")).Trim();
        Assert.Contains($"unable to delete the default engine image {engineImage}", await _kubectl.FailsAsync("delete", "engineimage", engineImage));
        Assert.Contains("the default backup target cannot be deleted", await _kubectl.FailsAsync("delete", "lhbt", "default"));
        await _kubectl.RunWithInputAsync("""
            apiVersion: longhorn.io/v1beta2
            kind: BackupTarget
            metadata:
              name: second
            spec:
              backupTargetURL: nfs://127.0.0.1:/second
              pollInterval: 5m0s
            """, "create", "-f", "-");
        Assert.Equal("nfs://127.0.0.1:/second", (string?)(await api.GetAsync("/api/backuptargets/second"))["backupTargetURL"]);
        Assert.Equal("backuptarget.longhorn.io \"second\" deleted", (await _kubectl.OkAsync("delete", "lhbt", "second")).Trim());
        await api.SendAsync(HttpMethod.Get, "/api/backuptargets/second", expect: System.Net.HttpStatusCode.NotFound);
    }
}
