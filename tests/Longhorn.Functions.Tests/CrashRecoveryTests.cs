using Longhorn.Functions.Tests.Support;

namespace Longhorn.Functions.Tests;

/// <summary>The built host as a real child process, killed mid-backup and started again on the same data dir.</summary>
public sealed class CrashRecoveryTests
{
    private const int MiB = 1024 * 1024;

    [Fact]
    public async Task A_backup_interrupted_by_a_kill_ends_in_error_or_completes_and_earlier_backups_still_restore()
    {
        var dataDir = Directory.CreateTempSubdirectory("lh-crash-").FullName;
        try
        {
            var port = HostProcess.FreePort();
            var api = new Api(new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}"), Timeout = TimeSpan.FromMinutes(2) });
            var host = await StartAsync(port, dataDir, api);
            try
            {
                await api.WaitForSyncAsync();
                // gzip of incompressible data is slow: the big backup stays InProgress long enough to be killed.
                await api.CreateVolumeAsync(new { name = "big", size = 256L * MiB, backupCompressionMethod = "gzip" });
                var early = Api.Pattern(8 * MiB, seed: 21);
                await api.WriteAsync("big", 0, early);
                var backup1 = await api.BackupAsync("big");
                for (var offset = 16L * MiB; offset < 256L * MiB; offset += 16 * MiB)
                    await api.WriteAsync("big", offset, Api.Pattern(16 * MiB, seed: (int)(offset / MiB)));
                var requested = await api.PostAsync("/api/volumes/big/backups");
                var name = (string)requested["name"]!;
                await api.WaitAsync($"/api/backups/{name}", b => (string?)b["state"] is "InProgress" or "Completed" or "Error", "the big backup to start");
                await host.KillAsync();
                host.Dispose();

                host = await StartAsync(port, dataDir, api);
                var after = await api.WaitAsync($"/api/backups/{name}", b => (string?)b["state"] is not ("InProgress" or "Pending"), "the interrupted backup to settle");
                Assert.True((string?)after["state"] is "Error" or "Completed", after.ToJsonString());
                if ((string?)after["state"] == "Error") Assert.False(string.IsNullOrEmpty((string?)after["error"]), after.ToJsonString());

                await api.CreateVolumeAsync(new { name = "early", fromBackup = (string)backup1["url"]! });
                await api.WaitForRestoreAsync("early");
                Assert.Equal(early, await api.ReadAsync("early", 0, 8 * MiB));
            }
            finally
            {
                host.Dispose();
            }
        }
        finally
        {
            FunctionHost.TryDelete(dataDir);
        }
    }

    private static async Task<HostProcess> StartAsync(int port, string dataDir, Api api)
    {
        var host = HostProcess.Start(["--port", port.ToString(System.Globalization.CultureInfo.InvariantCulture), "--data-dir", dataDir],
            new Dictionary<string, string>
            {
                ["Longhorn__LockSettleTimeSeconds"] = "0.05",
                ["Longhorn__RestoreRetryDelaySeconds"] = "0",
                ["Logging__LogLevel__Default"] = "Warning",
            });
        await host.WaitUntilHealthyAsync(api.Client);
        return host;
    }
}
