using System.Net;
using Longhorn.Functions.Tests.Support;

namespace Longhorn.Functions.Tests;

/// <summary>DELETE /api/backuptargets/{name}: the default target stays, a used one is refused, an unused one leaves with its cluster objects, its store intact.</summary>
public sealed class BackupTargetDeletionTests : IDisposable
{
    private const int MiB = 1024 * 1024;
    private readonly FunctionHost _host = new();

    public void Dispose() => _host.Dispose();

    [Fact]
    public async Task An_unused_target_is_deleted_with_its_backup_objects_and_its_store_kept_while_default_and_used_ones_are_refused()
    {
        var api = _host.Api;
        await api.SendAsync(HttpMethod.Put, "/api/backuptargets/second", new { backupTargetURL = "nfs://127.0.0.1:/second", pollInterval = 300 });
        await api.WaitForSyncAsync("second");
        await api.CreateVolumeAsync(new { name = "vol1", size = 4L * MiB, backupTargetName = "second" });
        await api.WriteAsync("vol1", 0, Api.Pattern(MiB, seed: 3));
        var backup = (string)(await api.BackupAsync("vol1"))["name"]!;

        var used = await api.SendAsync(HttpMethod.Delete, "/api/backuptargets/second", expect: HttpStatusCode.Conflict);
        Assert.Contains("backup target second is used by volume vol1", (string?)used["detail"]);
        var builtin = await api.SendAsync(HttpMethod.Delete, "/api/backuptargets/default", expect: HttpStatusCode.BadRequest);
        Assert.Contains("the default backup target cannot be deleted", (string?)builtin["detail"]);

        await api.SendAsync(HttpMethod.Delete, "/api/volumes/vol1", expect: HttpStatusCode.NoContent);
        await api.SendAsync(HttpMethod.Delete, "/api/backuptargets/second", expect: HttpStatusCode.NoContent);
        await api.SendAsync(HttpMethod.Get, "/api/backuptargets/second", expect: HttpStatusCode.NotFound);
        await api.SendAsync(HttpMethod.Get, $"/api/backups/{backup}", expect: HttpStatusCode.NotFound);
        Assert.Empty(await api.ListAsync("/api/backupvolumes"));
        // The store keeps the backup: a target on the same URL finds it again.
        Assert.Single(Directory.EnumerateFiles(_host.MountRoot, $"backup_{backup}.cfg", SearchOption.AllDirectories));
        await api.SendAsync(HttpMethod.Put, "/api/backuptargets/again", new { backupTargetURL = "nfs://127.0.0.1:/second", pollInterval = 300 });
        await Api.EventuallyAsync(async () => (await api.ListAsync("/api/backups")).Any(b => (string?)b["name"] == backup), "the kept backup to be synced again");
    }
}
