using Longhorn.Functions.Tests.Support;

namespace Longhorn.Functions.Tests;

/// <summary>Two hosts with their own resource stores share one backup target; the store is the truth.</summary>
public sealed class SharedTargetTests
{
    private const int MiB = 1024 * 1024;

    [Fact]
    public async Task A_second_host_pulls_the_first_hosts_backups_and_drops_one_whose_cfg_vanished()
    {
        using var first = new FunctionHost();
        var a = first.Api;
        await a.WaitForSyncAsync();
        await a.CreateVolumeAsync(new { name = "shared", size = 8L * MiB });
        await a.WriteAsync("shared", 0, Api.Pattern(MiB, seed: 7));
        var backup1 = await a.BackupAsync("shared");
        await a.WriteAsync("shared", 4 * MiB, Api.Pattern(MiB, seed: 8));
        var backup2 = await a.BackupAsync("shared");

        using var second = new FunctionHost(mountRoot: first.MountRoot);
        var b = second.Api;
        await b.WaitForSyncAsync();
        second.Clock.Advance(TimeSpan.FromSeconds(11));
        await b.PostAsync("/api/backuptargets/default/sync");
        await b.WaitForSyncAsync();

        Assert.Empty(await b.ListAsync("/api/volumes"));
        var names = (await b.ListAsync("/api/backups")).Select(n => (string?)n["name"]).ToList();
        Assert.Equal(new[] { (string?)backup1["name"], (string?)backup2["name"] }.Order(), names.Order());
        Assert.All(await b.ListAsync("/api/backups"), n => Assert.Equal("Completed", (string?)n["state"]));
        Assert.Equal((await a.ListAsync("/api/backupvolumes")).Select(n => (string?)n["name"]),
            (await b.ListAsync("/api/backupvolumes")).Select(n => (string?)n["name"]));
        Assert.Equal((string?)backup2["url"], (string?)(await b.GetAsync($"/api/backups/{backup2["name"]}"))["url"]);

        var cfg = Directory.GetFiles(first.MountRoot, $"backup_{backup1["name"]}.cfg", SearchOption.AllDirectories);
        File.Delete(Assert.Single(cfg));
        second.Clock.Advance(TimeSpan.FromSeconds(11));
        await b.PostAsync("/api/backuptargets/default/sync");
        await b.WaitForSyncAsync();
        var left = await b.ListAsync("/api/backups");
        Assert.Equal((string?)backup2["name"], (string?)Assert.Single(left)["name"]);
    }
}
