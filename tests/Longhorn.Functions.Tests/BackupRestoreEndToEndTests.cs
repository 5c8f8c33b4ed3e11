using System.Net;
using Longhorn.Functions.Tests.Support;

namespace Longhorn.Functions.Tests;

/// <summary>The whole user path through the real host in-process: volume, data, backups, restores, deletion.</summary>
public sealed class BackupRestoreEndToEndTests
{
    private const int MiB = 1024 * 1024;
    private const long VolumeSize = 64L * MiB;

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
}
