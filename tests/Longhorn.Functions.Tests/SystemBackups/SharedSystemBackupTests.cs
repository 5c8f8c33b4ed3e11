using System.Net;
using Longhorn.Functions.Tests.Support;
using static Longhorn.Functions.Tests.SystemBackups.SystemBackupSupport;

namespace Longhorn.Functions.Tests.SystemBackups;

/// <summary>Two hosts on one default target see the same system backups; the store is the truth (spec §5.4, §5.5).</summary>
public sealed class SharedSystemBackupTests
{
    private static async Task SyncAsync(FunctionHost host)
    {
        host.Clock.Advance(TimeSpan.FromSeconds(11));
        await host.Api.PostAsync("/api/backuptargets/default/sync");
        await host.Api.WaitForSyncAsync();
    }

    [Fact]
    public async Task A_second_host_pulls_system_backups_as_ready_and_each_side_drops_what_the_other_deleted()
    {
        using var first = new FunctionHost();
        var a = first.Api;
        await a.WaitForSyncAsync();
        await a.SystemBackupAsync("one", "disabled");
        await a.SystemBackupAsync("two", "disabled");

        using var second = new FunctionHost(mountRoot: first.MountRoot);
        var b = second.Api;
        await b.WaitForSyncAsync();
        await SyncAsync(second);
        foreach (var name in new[] { "one", "two" })
        {
            var pulled = await b.WaitAsync($"/api/systembackups/{name}", s => (string?)s["state"] is "Ready" or "Error", $"{name} to be pulled",
                s => Assert.Equal("Ready", (string?)s["state"]));
            Assert.Equal("v1.10.0", (string?)pulled["labels"]!["longhorn.io/version"]);
            Assert.Equal("v1.10.0", (string?)pulled["version"]);
            Assert.Equal((string?)(await a.GetAsync($"/api/systembackups/{name}"))["createdAt"], (string?)pulled["createdAt"]);
        }

        // Deleted on the second host: gone from the store, and from the first at its next poll.
        await b.SendAsync(HttpMethod.Delete, "/api/systembackups/one", expect: HttpStatusCode.Accepted);
        await Api.EventuallyAsync(async () => (await b.ListAsync("/api/systembackups")).All(s => (string?)s["name"] != "one"), "one to go on the second host");
        Assert.False(Directory.Exists(StoreDirectory(first, "one")));
        await SyncAsync(first);
        Assert.Equal(["two"], (await a.ListAsync("/api/systembackups")).Select(s => (string?)s["name"]));

        // Deleted on the first: the second drops it at its next poll.
        await a.SendAsync(HttpMethod.Delete, "/api/systembackups/two", expect: HttpStatusCode.Accepted);
        await Api.EventuallyAsync(async () => (await a.ListAsync("/api/systembackups")).Count == 0, "two to go on the first host");
        Assert.False(Directory.Exists(StoreDirectory(first, "two")));
        await SyncAsync(second);
        Assert.Empty(await b.ListAsync("/api/systembackups"));
    }

    [Fact]
    public async Task Unsetting_the_default_target_clears_system_backups_without_touching_the_store()
    {
        using var host = new FunctionHost();
        var api = host.Api;
        await api.WaitForSyncAsync();
        await api.SystemBackupAsync("kept", "disabled");
        await api.SendAsync(HttpMethod.Put, "/api/backuptargets/default", new { backupTargetURL = "", pollInterval = 300 });
        await Api.EventuallyAsync(async () => (await api.ListAsync("/api/systembackups")).Count == 0, "system backups to be cleared");
        Assert.True(File.Exists(Path.Combine(StoreDirectory(host, "kept"), "system-backup.zip")));
    }
}
