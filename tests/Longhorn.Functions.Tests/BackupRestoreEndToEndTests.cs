using System.Net;
using Longhorn.Functions.ControlPlane.Work;
using Longhorn.Functions.Resources;
using Longhorn.Functions.Tests.Support;
using Microsoft.Extensions.DependencyInjection;

namespace Longhorn.Functions.Tests;

/// <summary>The whole user path through the real host in-process: volume, data, backups, restores, deletion.</summary>
public sealed class BackupRestoreEndToEndTests
{
    private const int MiB = 1024 * 1024;
    private const long VolumeSize = 64L * MiB;

    [Fact]
    public async Task A_restore_that_reached_the_replica_but_not_the_volume_status_runs_again_on_a_fresh_replica()
    {
        using var host = new FunctionHost();
        var api = host.Api;
        await api.WaitForSyncAsync();
        await api.CreateVolumeAsync(new { name = "vol1", size = VolumeSize });
        var data = Api.Pattern(6 * MiB, seed: 5);
        await api.WriteAsync("vol1", 0, data);
        var backup = await api.BackupAsync("vol1");
        await api.CreateVolumeAsync(new { name = "restored", fromBackup = (string)backup["url"]! });
        await api.WaitForRestoreAsync("restored");

        // What a host killed after the replica completed the restore, but before the volume recorded it, leaves: a replica
        // holding the restored snapshot and a volume that still asks for its first restore.
        var resources = host.Services.GetRequiredService<IResourceStore>();
        await resources.MutateAsync<Volume>("restored", v => v with
        {
            Status = v.Status with { RestoreRequired = true, RestoreStatus = new RestoreStatus() },
        }, CancellationToken.None);
        host.Services.GetRequiredService<WorkQueue>().Enqueue(WorkKind.Restore, "restored");

        await api.WaitForRestoreAsync("restored");
        Assert.Equal(data, await api.ReadAsync("restored", 0, 6 * MiB));
    }

    [Fact]
    public async Task Backups_are_incremental_restore_byte_exact_and_survive_deleting_the_first()
    {
        using var host = new FunctionHost();
        var api = host.Api;
        await api.WaitForSyncAsync();
        await api.CreateVolumeAsync(new { name = "vol1", size = VolumeSize, backupCompressionMethod = "none" });
        var first = Api.Pattern(10 * MiB, seed: 1);
        await api.WriteAsync("vol1", 0, first);

        var backup1 = await api.BackupAsync("vol1");
        Assert.Equal(5L * 2 * MiB, (long)backup1["newlyUploadDataSize"]!);

        // Change one 2 MiB block and add one: the incremental backup uploads exactly those two blocks.
        var change = Api.Pattern(4096, seed: 2);
        var added = Api.Pattern(MiB, seed: 3);
        await api.WriteAsync("vol1", 4 * MiB + 100, change);
        await api.WriteAsync("vol1", 40 * MiB, added);
        var backup2 = await api.BackupAsync("vol1", new { labels = new Dictionary<string, string> { ["purpose"] = "test" } });
        Assert.Equal(2L * 2 * MiB, (long)backup2["newlyUploadDataSize"]!);
        Assert.Equal("test", (string?)backup2["labels"]!["purpose"]);

        var listed = await api.ListAsync("/api/backups?volume=vol1");
        Assert.Equal(2, listed.Count);
        var backupVolumes = await api.ListAsync("/api/backupvolumes");
        Assert.Equal((string?)backup2["name"], (string?)Assert.Single(backupVolumes)["lastBackupName"]);

        var expected1 = new byte[VolumeSize];
        first.CopyTo(expected1, 0);
        var expected2 = (byte[])expected1.Clone();
        change.CopyTo(expected2, 4 * MiB + 100);
        added.CopyTo(expected2, 40 * MiB);

        await api.CreateVolumeAsync(new { name = "restored1", fromBackup = (string)backup1["url"]! });
        await api.CreateVolumeAsync(new { name = "restored2", fromBackup = (string)backup2["url"]! });
        var restored = await api.WaitForRestoreAsync("restored1");
        Assert.Equal(VolumeSize, (long)restored["size"]!);
        await api.WaitForRestoreAsync("restored2");
        Assert.Equal(expected1, await api.ReadAsync("restored1", 0, VolumeSize));
        Assert.Equal(expected2, await api.ReadAsync("restored2", 0, VolumeSize));

        var deleting = await api.SendAsync(HttpMethod.Delete, $"/api/backups/{backup1["name"]}", expect: HttpStatusCode.Accepted);
        Assert.Equal("Deleting", (string?)deleting["state"]);
        await Api.EventuallyAsync(async () => (await api.ListAsync("/api/backups?volume=vol1")).Count == 1, "the first backup to be gone");
        await api.SendAsync(HttpMethod.Get, $"/api/backups/{backup1["name"]}", expect: HttpStatusCode.NotFound);

        await api.CreateVolumeAsync(new { name = "restored3", fromBackup = (string)backup2["url"]! });
        await api.WaitForRestoreAsync("restored3");
        Assert.Equal(expected2, await api.ReadAsync("restored3", 0, VolumeSize));
    }

    [Fact]
    public async Task A_standby_volume_follows_new_backups_with_incremental_restores()
    {
        using var host = new FunctionHost();
        var api = host.Api;
        await api.WaitForSyncAsync();
        await api.CreateVolumeAsync(new { name = "src", size = 16L * MiB });
        var data = Api.Pattern(3 * MiB, seed: 5);
        await api.WriteAsync("src", 0, data);
        var backup1 = await api.BackupAsync("src");
        await api.CreateVolumeAsync(new { name = "dr", fromBackup = (string)backup1["url"]!, standby = true });
        await api.WaitForRestoreAsync("dr");

        var more = Api.Pattern(MiB, seed: 6);
        await api.WriteAsync("src", 8 * MiB, more);
        var backup2 = await api.BackupAsync("src");
        await api.WaitAsync("/api/volumes/dr", v => (string?)v["restoreStatus"]!["lastRestored"] == (string?)backup2["name"], "the DR volume to follow");
        var expected = new byte[16 * MiB];
        data.CopyTo(expected, 0);
        more.CopyTo(expected, 8 * MiB);
        Assert.Equal(expected, await api.ReadAsync("dr", 0, 16 * MiB));
        await api.SendAsync(HttpMethod.Put, "/api/volumes/dr/data?offset=0", "x", HttpStatusCode.Conflict);
    }

    [Fact]
    public async Task Activating_a_standby_volume_restores_the_last_backup_first_then_makes_it_a_normal_volume()
    {
        using var host = new FunctionHost();
        var api = host.Api;
        await api.WaitForSyncAsync();
        await api.CreateVolumeAsync(new { name = "src", size = 8L * MiB });
        var first = Api.Pattern(2 * MiB, seed: 15);
        await api.WriteAsync("src", 0, first);
        var backup1 = await api.BackupAsync("src");
        await api.CreateVolumeAsync(new { name = "dr", fromBackup = (string)backup1["url"]!, standby = true });
        await api.WaitForRestoreAsync("dr");
        await api.SendAsync(HttpMethod.Post, "/api/volumes/dr/backups", new { }, HttpStatusCode.Conflict);

        // A backup the standby has not followed yet: activation restores it before the volume turns normal.
        var last = Api.Pattern(2 * MiB, seed: 16);
        await api.WriteAsync("src", 4 * MiB, last);
        await api.BackupAsync("src");
        var accepted = await api.SendAsync(HttpMethod.Post, "/api/volumes/dr/activate", expect: HttpStatusCode.Accepted);
        Assert.True((bool?)accepted["activationRequested"]);
        var active = await api.WaitAsync("/api/volumes/dr", v => (bool?)v["standby"] == false, "the standby volume to be activated");
        Assert.False((bool?)active["restoreRequired"]);
        Assert.False((bool?)active["activationRequested"]);
        var expected = new byte[8 * MiB];
        first.CopyTo(expected, 0);
        last.CopyTo(expected, 4 * MiB);
        Assert.Equal(expected, await api.ReadAsync("dr", 0, 8 * MiB));
        // A normal volume now: written and backed up like any other.
        await api.WriteAsync("dr", 0, Api.Pattern(MiB, seed: 17));
        Assert.Equal("Completed", (string?)(await api.BackupAsync("dr"))["state"]);
        var again = await api.SendAsync(HttpMethod.Post, "/api/volumes/dr/activate", expect: HttpStatusCode.BadRequest);
        Assert.Contains("is not a standby (DR) volume", (string?)again["detail"]);
    }

    [Fact]
    public async Task Labels_of_a_volume_are_set_and_removed_so_it_joins_and_leaves_recurring_jobs()
    {
        using var host = new FunctionHost();
        var api = host.Api;
        await api.CreateVolumeAsync(new { name = "vol1", size = 4L * MiB });
        var labels = new Dictionary<string, string?> { ["recurring-job.longhorn.io/nightly"] = "enabled", ["team"] = "a" };
        var patched = await api.SendAsync(HttpMethod.Patch, "/api/volumes/vol1", new { labels });
        Assert.Equal("enabled", (string?)patched["labels"]!["recurring-job.longhorn.io/nightly"]);
        Assert.Contains(patched["recurringJobSelector"]!.AsArray(), e => (string?)e!["name"] == "nightly" && (bool?)e["isGroup"] == false);
        patched = await api.SendAsync(HttpMethod.Patch, "/api/volumes/vol1", new { labels = new Dictionary<string, string?> { ["team"] = null } });
        Assert.Null(patched["labels"]!["team"]);
        Assert.Equal("default", (string?)patched["labels"]!["backup-target"]);
        var own = await api.SendAsync(HttpMethod.Patch, "/api/volumes/vol1", new { labels = new Dictionary<string, string?> { ["backup-target"] = "x" } },
            HttpStatusCode.BadRequest);
        Assert.Equal("labels", (string?)own["field"]);
        var bad = await api.SendAsync(HttpMethod.Patch, "/api/volumes/vol1", new { labels = new Dictionary<string, string?> { ["-bad"] = "x" } }, HttpStatusCode.BadRequest);
        Assert.Equal("labels", (string?)bad["field"]);
    }
}
