using Longhorn.Functions.Tests.Support;

namespace Longhorn.Functions.Tests;

/// <summary>
/// The host killed (SIGKILL) at a chosen point of a backup: the moment its in-progress cfg appears in the store, read from
/// the store's files. What it left is checked on disk, then the restarted host is used: the interrupted backup ends in
/// Error with a message, the earlier backup restores byte for byte, and the next backup completes and restores.
/// </summary>
public sealed class HostKilledMidBackupTests
{
    private const int MiB = 1024 * 1024;

    [Fact]
    public async Task A_host_killed_once_its_placeholder_cfg_is_written_leaves_it_and_its_lock_and_recovers_on_restart()
    {
        var dataDir = Directory.CreateTempSubdirectory("lh-kill-").FullName;
        try
        {
            var port = HostProcess.FreePort();
            var api = new Api(new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}"), Timeout = TimeSpan.FromMinutes(2) });
            var host = await StartAsync(port, dataDir, api);
            var store = Path.Combine(dataDir, "backupstore-mounts", "127_0_0_1", "backupstore", "backupstore");
            try
            {
                await api.WaitForSyncAsync();
                // gzip of 128 MiB of random data takes seconds: the kill lands long before the backup could finish.
                await api.CreateVolumeAsync(new { name = "kill", size = 128L * MiB, backupCompressionMethod = "gzip" });
                var early = Api.Pattern(4 * MiB, seed: 31);
                await api.WriteAsync("kill", 0, early);
                var first = await api.BackupAsync("kill");
                for (var offset = 8L * MiB; offset < 128L * MiB; offset += 8 * MiB)
                    await api.WriteAsync("kill", offset, Api.Pattern(8 * MiB, seed: (int)(offset / MiB)));

                var name = (string)(await api.PostAsync("/api/volumes/kill/backups"))["name"]!;
                string? cfg = null;
                await Api.EventuallyAsync(() => Task.FromResult((cfg = Directory.Exists(store)
                    ? Directory.EnumerateFiles(store, $"backup_{name}.cfg", SearchOption.AllDirectories).FirstOrDefault() : null) is not null), "the backup's placeholder cfg");
                await host.KillAsync();
                host.Dispose();

                var left = await File.ReadAllTextAsync(cfg!);
                Assert.Contains("\"CreatedTime\":\"\"", left);
                var volumeDir = Path.GetDirectoryName(Path.GetDirectoryName(cfg))!;
                var lockFile = Assert.Single(Directory.GetFiles(Path.Combine(volumeDir, "locks"), "*.lck"));
                Assert.Contains("\"Acquired\":true", await File.ReadAllTextAsync(lockFile));

                host = await StartAsync(port, dataDir, api);
                var after = await api.WaitAsync($"/api/backups/{name}", b => (string?)b["state"] is not ("InProgress" or "Pending"), "the interrupted backup to settle");
                Assert.Equal("Error", (string?)after["state"]);
                Assert.False(string.IsNullOrEmpty((string?)after["error"]), after.ToJsonString());

                await api.CreateVolumeAsync(new { name = "early", fromBackup = (string)first["url"]! });
                await api.WaitForRestoreAsync("early");
                Assert.Equal(early, await api.ReadAsync("early", 0, 4 * MiB));

                // The dead host's lock is a backup lock: the next backup shares its type and goes ahead.
                await api.WriteAsync("kill", 4 * MiB, Api.Pattern(4096, seed: 32));
                var next = await api.BackupAsync("kill");
                await api.CreateVolumeAsync(new { name = "next", fromBackup = (string)next["url"]! });
                await api.WaitForRestoreAsync("next");
                Assert.Equal(Api.Pattern(8 * MiB, seed: 120), await api.ReadAsync("next", 120L * MiB, 8 * MiB));
                Assert.Equal(Api.Pattern(4096, seed: 32), await api.ReadAsync("next", 4 * MiB, 4096));
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
