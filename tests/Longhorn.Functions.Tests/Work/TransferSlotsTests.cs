using System.Net;
using System.Net.Http.Json;
using Longhorn.Functions.Cluster;
using Longhorn.Functions.ControlPlane;
using Longhorn.Functions.Resources;
using Longhorn.Functions.Tests.Support;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace Longhorn.Functions.Tests.Work;

/// <summary>
/// Longhorn's concurrent-backup-restore-per-node-limit through the host: with one slot, a second backup waits in
/// Pending (saying why) while the first runs, and runs once the first ends; 0 holds restores and not backups.
/// </summary>
public sealed class TransferSlotsTests
{
    private const int MiB = 1024 * 1024;

    private static FunctionHost HeldHost(Action<HeldProgressStore> held) => new(services: services =>
    {
        services.RemoveAll<IResourceStore>();
        services.AddSingleton<IResourceStore>(sp =>
        {
            var store = new HeldProgressStore(new SqliteResourceStore(
                sp.GetRequiredService<IOptions<LonghornOptions>>().Value.DatabasePath, sp.GetRequiredService<TimeProvider>()));
            held(store);
            return store;
        });
    });

    private static async Task<string> RequestBackupAsync(Api api, string volume)
    {
        using var response = await api.Client.PostAsJsonAsync($"/api/volumes/{volume}/backups", new { });
        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        return response.Headers.Location!.ToString();
    }

    [Fact]
    public async Task With_one_slot_a_second_backup_waits_pending_until_the_first_ends_then_completes()
    {
        HeldProgressStore? resources = null;
        using var host = HeldHost(s => resources = s);
        var api = host.Api;
        await api.WaitForSyncAsync();
        await api.SendAsync(HttpMethod.Put, "/api/settings/concurrent-backup-restore-per-node-limit", new { value = "1" });
        foreach (var volume in new[] { "vol1", "vol2" })
        {
            await api.CreateVolumeAsync(new { name = volume, size = 16L * MiB });
            await api.WriteAsync(volume, 0, Api.Pattern(4 * MiB, seed: volume.Length));
        }

        var first = await RequestBackupAsync(api, "vol1");
        await api.WaitAsync(first, b => (string?)b["state"] == "InProgress" && (int)b["progress"]! > 0, "the first backup to run and be held");
        var second = await RequestBackupAsync(api, "vol2");
        // A new backup may read Pending before its worker runs; the worker's Pending says why it waits.
        var waiting = await api.WaitAsync(second, b => (string?)b["state"] == "Pending" && b["messages"]?["info"] is not null,
            "the second backup to wait for a slot");
        Assert.Contains("concurrent-backup-restore-per-node-limit", (string?)waiting["messages"]!["info"]);
        Assert.Equal("InProgress", (string?)(await api.GetAsync(first))["state"]);

        resources!.Release();
        await api.WaitAsync(first, b => (string?)b["state"] is "Completed" or "Error", "the first backup to end",
            b => Assert.Equal("Completed", (string?)b["state"]));
        await api.WaitAsync(second, b => (string?)b["state"] is "Completed" or "Error", "the second backup to run once a slot frees",
            b => Assert.Equal("Completed", (string?)b["state"]));
    }

    [Fact]
    public async Task A_limit_of_zero_holds_restores_as_Longhorn_does_and_lets_backups_run()
    {
        using var host = new FunctionHost();
        var api = host.Api;
        await api.WaitForSyncAsync();
        await api.CreateVolumeAsync(new { name = "vol1", size = 16L * MiB });
        await api.WriteAsync("vol1", 0, Api.Pattern(4 * MiB, seed: 9));
        await api.SendAsync(HttpMethod.Put, "/api/settings/concurrent-backup-restore-per-node-limit", new { value = "0" });

        var backup = await api.BackupAsync("vol1");
        await api.CreateVolumeAsync(new { name = "restored", fromBackup = (string)backup["url"]! });
        await api.WaitAsync("/api/volumes/restored", v => (string?)v["restoreStatus"]?["state"] == "pending", "the restore to be held");

        await api.SendAsync(HttpMethod.Put, "/api/settings/concurrent-backup-restore-per-node-limit", new { value = "5" });
        // A held restore runs when asked again: the reconciler's pass, or any transfer ending, queues it.
        await api.BackupAsync("vol1");
        await api.WaitForRestoreAsync("restored");
        Assert.Equal(Api.Pattern(4 * MiB, seed: 9), await api.ReadAsync("restored", 0, 4 * MiB));
    }
}
