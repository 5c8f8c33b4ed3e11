using Longhorn.Functions.ControlPlane.Work;
using System.Net;
using System.Text.Json.Nodes;
using Longhorn.Engine.Format;
using Longhorn.Functions.ControlPlane;
using Longhorn.Functions.Tests.Support;
using Microsoft.Extensions.DependencyInjection;

namespace Longhorn.Functions.Tests;

/// <summary>
/// Stores written by hand, as Longhorn's QA writes them, synced by the real host: backups are named by their
/// <c>backup_&lt;name&gt;.cfg</c> files and volumes by their folders (spec §7), every listed backup is shown, and a
/// sync never makes a resource that the next one deletes.
/// </summary>
public sealed class HandWrittenStoreTests
{
    private const int MiB = 1024 * 1024;

    /// <summary>Longhorn QA's legacy-block-size cfg: no Name, VolumeName, SnapshotName, Blocks or block size.</summary>
    private const string QaCfg =
        """{"Size":"0","CreatedTime":"2024-05-01T00:00:00Z","Labels":{},"Parameters":{"backup-mode":"incremental"},"IsIncremental":false,"CompressionMethod":"lz4","NewlyUploadedDataSize":"0","ReUploadedDataSize":"0","ProcessingBlocks":null,"SingleFile":{"FilePath":""}}""";

    /// <summary>The default target's store as the host mounts it (<c>nfs://127.0.0.1:/backupstore</c>).</summary>
    private static string StoreFile(FunctionHost host, string storePath) => Path.Combine(host.MountRoot, "127_0_0_1", "backupstore", storePath);

    private static void WriteStoreFile(FunctionHost host, string storePath, string content)
    {
        var path = StoreFile(host, storePath);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, content);
    }

    private static async Task SyncAsync(FunctionHost host)
    {
        host.Clock.Advance(TimeSpan.FromSeconds(11));
        await host.Api.PostAsync("/api/backuptargets/default/sync");
        await host.Api.WaitForSyncAsync();
    }

    /// <summary>What the API shows of backups and backup volumes, less the fields every sync moves (its own time).</summary>
    private static async Task<string> ShownAsync(Api api)
    {
        var backups = await api.GetAsync("/api/backups");
        var volumes = (await api.GetAsync("/api/backupvolumes"))["data"]!.AsArray();
        foreach (var volume in volumes.Select(v => v!.AsObject()))
        {
            volume.Remove("lastSyncedAt");
            volume.Remove("syncRequestedAt");
            volume.Remove("resourceVersion");
        }
        return backups.ToJsonString() + volumes.ToJsonString();
    }

    /// <summary>Two syncs in a row leave every backup and backup volume as they were: nothing created, deleted or rewritten.</summary>
    private static async Task AssertSyncsChangeNothingAsync(FunctionHost host)
    {
        await SyncAsync(host);
        var before = await ShownAsync(host.Api);
        await SyncAsync(host);
        Assert.Equal(before, await ShownAsync(host.Api));
        Assert.All(await host.Api.ListAsync("/api/backups"), b => Assert.False(string.IsNullOrEmpty((string?)b["name"])));
    }

    private static async Task<(JsonNode First, JsonNode Second)> TwoBackupsAsync(Api api)
    {
        await api.WaitForSyncAsync();
        await api.CreateVolumeAsync(new { name = "vol", size = 8L * MiB });
        await api.WriteAsync("vol", 0, Api.Pattern(MiB, seed: 1));
        var first = await api.BackupAsync("vol");
        await api.WriteAsync("vol", 4 * MiB, Api.Pattern(MiB, seed: 2));
        var second = await api.BackupAsync("vol");
        return (first, second);
    }

    private static async Task<string> TargetUrlAsync(Api api) => (string)(await api.GetAsync("/api/backuptargets/default"))["backupTargetURL"]!;

    private static IReadOnlyList<string> BlockFiles(FunctionHost host, string volume) =>
        Directory.EnumerateFiles(StoreFile(host, StorePaths.BlocksDirectory(volume)), "*.blk", SearchOption.AllDirectories)
            .Select(Path.GetFileName).Order(StringComparer.Ordinal).ToList()!;

    private static async Task<byte[]> RestoreAsync(Api api, string name, string url, long length)
    {
        await api.CreateVolumeAsync(new { name, fromBackup = url });
        var restored = await api.WaitForRestoreAsync(name);
        Assert.Equal(BackupUrl.Decode(url).BackupName, (string?)restored["restoreStatus"]!["lastRestored"]);
        return await api.ReadAsync(name, 0, length);
    }

    private static async Task DeleteBackupAsync(Api api, string name)
    {
        await api.SendAsync(HttpMethod.Delete, $"/api/backups/{name}", expect: HttpStatusCode.Accepted);
        await Api.EventuallyAsync(async () => (await api.ListAsync("/api/backups")).All(b => (string?)b["name"] != name), $"backup {name} to be deleted");
    }

    [Fact]
    public async Task A_cfg_without_names_is_shown_as_the_backup_its_file_names_and_restores_and_deletes_like_any_other()
    {
        using var host = new FunctionHost();
        var api = host.Api;
        var (first, second) = await TwoBackupsAsync(api);
        Assert.True(File.Exists(StoreFile(host, StorePaths.VolumeConfig("vol"))));
        WriteStoreFile(host, StorePaths.BackupConfig("vol", "backup-test2"), QaCfg);
        // A block no backup uses: the delete's GC removes it, so the test sees that GC ran.
        var unused = new string('f', 64);
        WriteStoreFile(host, StorePaths.Block("vol", unused), "unused");

        await AssertSyncsChangeNothingAsync(host);

        var names = (await api.ListAsync("/api/backups?volume=vol")).Select(b => (string?)b["name"]).Order(StringComparer.Ordinal);
        Assert.Equal(new[] { (string?)first["name"], (string?)second["name"], "backup-test2" }.Order(StringComparer.Ordinal), names);
        var test2 = await api.GetAsync("/api/backups/backup-test2");
        Assert.Equal("Completed", (string?)test2["state"]);
        Assert.Equal("2097152", (string?)test2["blockSize"]);
        Assert.Equal("vol", (string?)test2["volumeName"]);
        Assert.Equal(8L * MiB, (long?)test2["volumeSize"]);
        var url = BackupUrl.Encode(await TargetUrlAsync(api), "vol", "backup-test2");
        Assert.Equal(url, (string?)test2["url"]);
        var warning = (string?)test2["messages"]!["warning"];
        Assert.Contains("backup_backup-test2.cfg has no Name and has no VolumeName", warning);
        Assert.Contains("it is backup backup-test2 of volume vol", warning);
        Assert.Equal(["warning"], test2["messages"]!.AsObject().Select(m => m.Key));
        Assert.Empty((await api.GetAsync($"/api/backups/{second["name"]}"))["messages"]!.AsObject());

        // Restore: the cfg has no blocks, so the volume is its size in zeros.
        Assert.Equal(new byte[8 * MiB], await RestoreAsync(api, "from-test2", url, 8 * MiB));

        var usedBlocks = BlockFiles(host, "vol").Where(f => f != unused + ".blk").ToList();
        await DeleteBackupAsync(api, "backup-test2");
        Assert.False(File.Exists(StoreFile(host, StorePaths.BackupConfig("vol", "backup-test2"))));
        Assert.Equal(usedBlocks, BlockFiles(host, "vol"));
        var image = new byte[8 * MiB];
        Api.Pattern(MiB, seed: 1).CopyTo(image, 0);
        Api.Pattern(MiB, seed: 2).CopyTo(image, 4 * MiB);
        Assert.Equal(image, await RestoreAsync(api, "from-second", (string)second["url"]!, 8 * MiB));

        await AssertSyncsChangeNothingAsync(host);
        Assert.Equal(2, (await api.ListAsync("/api/backups?volume=vol")).Count);
    }

    [Fact]
    public async Task A_cfg_whose_names_disagree_with_its_file_is_shown_as_the_file_says_and_its_delete_keeps_shared_blocks()
    {
        using var host = new FunctionHost();
        var api = host.Api;
        var (_, second) = await TwoBackupsAsync(api);
        var secondName = (string)second["name"]!;
        var copied = BackupConfig.FromJson(File.ReadAllBytes(StoreFile(host, StorePaths.BackupConfig("vol", secondName))))
            with { Name = "backup-elsewhere", VolumeName = "other" };
        WriteStoreFile(host, StorePaths.BackupConfig("vol", "backup-test3"), System.Text.Encoding.UTF8.GetString(copied.ToJson()));

        await AssertSyncsChangeNothingAsync(host);

        await api.SendAsync(HttpMethod.Get, "/api/backups/backup-elsewhere", expect: HttpStatusCode.NotFound);
        var test3 = await api.GetAsync("/api/backups/backup-test3");
        Assert.Equal("Completed", (string?)test3["state"]);
        Assert.Equal("vol", (string?)test3["volumeName"]);
        var url = BackupUrl.Encode(await TargetUrlAsync(api), "vol", "backup-test3");
        Assert.Equal(url, (string?)test3["url"]);
        Assert.Contains("names the backup backup-elsewhere and names the volume other", (string?)test3["messages"]!["warning"]);

        var image = new byte[8 * MiB];
        Api.Pattern(MiB, seed: 1).CopyTo(image, 0);
        Api.Pattern(MiB, seed: 2).CopyTo(image, 4 * MiB);
        Assert.Equal(image, await RestoreAsync(api, "from-test3", url, 8 * MiB));

        // backup-test3 uses exactly the second backup's blocks: deleting it must keep them all.
        var blocks = BlockFiles(host, "vol");
        await DeleteBackupAsync(api, "backup-test3");
        Assert.False(File.Exists(StoreFile(host, StorePaths.BackupConfig("vol", "backup-test3"))));
        Assert.Equal(blocks, BlockFiles(host, "vol"));
        Assert.Equal(image, await RestoreAsync(api, "from-second", (string)second["url"]!, 8 * MiB));
        await AssertSyncsChangeNothingAsync(host);
    }

    [Fact]
    public async Task Another_writers_in_progress_cfg_is_shown_in_progress_until_it_completes()
    {
        using var host = new FunctionHost();
        var api = host.Api;
        var (_, second) = await TwoBackupsAsync(api);
        var secondName = (string)second["name"]!;
        var placeholder = new BackupConfig { Name = "backup-busy", VolumeName = "vol", CompressionMethod = "lz4" };
        WriteStoreFile(host, StorePaths.BackupConfig("vol", "backup-busy"), System.Text.Encoding.UTF8.GetString(placeholder.ToJson()));

        await AssertSyncsChangeNothingAsync(host);
        var busy = await api.GetAsync("/api/backups/backup-busy");
        Assert.Equal("InProgress", (string?)busy["state"]);
        Assert.Equal("vol", (string?)busy["volumeName"]);
        Assert.Equal(BackupUrl.Encode(await TargetUrlAsync(api), "vol", "backup-busy"), (string?)busy["url"]);
        Assert.Contains("backup backup-busy is still in progress", (string?)busy["messages"]!["info"]);

        // No worker of this host runs it, so the reconciler must not fail it.
        await host.Services.GetRequiredService<WorkReconciler>().ReconcileAsync(CancellationToken.None);
        Assert.Equal(busy.ToJsonString(), (await api.GetAsync("/api/backups/backup-busy")).ToJsonString());

        // The other writer finishes: the cfg is complete (a copy of the second backup's block map).
        var done = BackupConfig.FromJson(File.ReadAllBytes(StoreFile(host, StorePaths.BackupConfig("vol", secondName))))
            with { Name = "backup-busy" };
        WriteStoreFile(host, StorePaths.BackupConfig("vol", "backup-busy"), System.Text.Encoding.UTF8.GetString(done.ToJson()));
        await SyncAsync(host);
        var completed = await api.GetAsync("/api/backups/backup-busy");
        Assert.Equal("Completed", (string?)completed["state"]);
        Assert.Equal(done.CreatedTime, (string?)completed["created"]);
        Assert.Empty(completed["messages"]!.AsObject());
        await AssertSyncsChangeNothingAsync(host);
    }

    [Fact]
    public async Task Another_writers_in_progress_cfg_does_not_hold_up_deleting_its_backup_volume()
    {
        using var host = new FunctionHost();
        var api = host.Api;
        await TwoBackupsAsync(api);
        // Go leaves its placeholder behind when a backup fails: it may stay in progress for ever.
        var placeholder = new BackupConfig { Name = "backup-left", VolumeName = "vol", CompressionMethod = "lz4" };
        WriteStoreFile(host, StorePaths.BackupConfig("vol", "backup-left"), System.Text.Encoding.UTF8.GetString(placeholder.ToJson()));
        await SyncAsync(host);
        Assert.Equal("InProgress", (string?)(await api.GetAsync("/api/backups/backup-left"))["state"]);

        var name = ResourceNames.BackupVolume("vol", "default");
        await api.SendAsync(HttpMethod.Delete, $"/api/backupvolumes/{name}", expect: HttpStatusCode.Accepted);
        await Api.EventuallyAsync(async () => (await api.ListAsync("/api/backupvolumes")).Count == 0, "the backup volume to be deleted");
        Assert.False(Directory.Exists(StoreFile(host, StorePaths.Volume("vol"))));
        await Api.EventuallyAsync(async () => (await api.ListAsync("/api/backups")).Count == 0, "its backups to go");
    }

    [Fact]
    public async Task A_volume_folder_without_volume_cfg_keeps_its_error_and_still_shows_its_backups()
    {
        using var host = new FunctionHost();
        var api = host.Api;
        await TwoBackupsAsync(api);
        WriteStoreFile(host, StorePaths.BackupConfig("orphan", "backup-lost"), QaCfg);

        await AssertSyncsChangeNothingAsync(host);

        var orphan = await api.GetAsync($"/api/backupvolumes/{ResourceNames.BackupVolume("orphan", "default")}");
        Assert.Equal("orphan", (string?)orphan["volumeName"]);
        Assert.Equal($"cannot find {StorePaths.VolumeConfig("orphan")} in backupstore", (string?)orphan["messages"]!["error"]);
        var lost = await api.GetAsync("/api/backups/backup-lost");
        Assert.Equal("Error", (string?)lost["state"]);
        Assert.Equal("orphan", (string?)lost["volumeName"]);
        Assert.Contains(StorePaths.VolumeConfig("orphan"), (string?)lost["messages"]!["error"]);
        Assert.Equal((string?)lost["messages"]!["error"], (string?)lost["error"]);
        // The volume with its volume.cfg is untouched by its neighbour.
        Assert.Empty((await api.GetAsync($"/api/backupvolumes/{ResourceNames.BackupVolume("vol", "default")}"))["messages"]!.AsObject());

        await DeleteBackupAsync(api, "backup-lost");
        Assert.False(File.Exists(StoreFile(host, StorePaths.BackupConfig("orphan", "backup-lost"))));
        await AssertSyncsChangeNothingAsync(host);
        Assert.DoesNotContain(await api.ListAsync("/api/backups"), b => (string?)b["name"] == "backup-lost");
    }
}
