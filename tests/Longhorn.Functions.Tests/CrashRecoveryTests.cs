using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
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
            var port = FreePort();
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
                host.Kill(entireProcessTree: true);
                await host.WaitForExitAsync();
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
                if (!host.HasExited) host.Kill(entireProcessTree: true);
                host.Dispose();
            }
        }
        finally
        {
            FunctionHost.TryDelete(dataDir);
        }
    }

    private static async Task<Process> StartAsync(int port, string dataDir, Api api)
    {
        var start = new ProcessStartInfo("dotnet")
        {
            ArgumentList = { HostDll(), "--port", port.ToString(System.Globalization.CultureInfo.InvariantCulture), "--data-dir", dataDir },
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.Environment["Longhorn__LockSettleTimeSeconds"] = "0.05";
        start.Environment["Longhorn__RestoreRetryDelaySeconds"] = "0";
        start.Environment["Logging__LogLevel__Default"] = "Warning";
        var process = Process.Start(start)!;
        process.OutputDataReceived += (_, _) => { };
        process.ErrorDataReceived += (_, _) => { };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        await Api.EventuallyAsync(async () =>
        {
            Assert.False(process.HasExited, "the host exited at start");
            try
            {
                using var response = await api.Client.GetAsync("/api/health");
                return response.StatusCode == HttpStatusCode.OK;
            }
            catch (HttpRequestException)
            {
                return false;
            }
        }, "the host to answer");
        return process;
    }

    /// <summary>The host's dll as the solution build left it beside this test assembly's configuration.</summary>
    private static string HostDll()
    {
        var directory = new DirectoryInfo(AppContext.BaseDirectory);
        var configuration = directory.Parent!.Name;
        while (directory is not null && !File.Exists(Path.Combine(directory.FullName, "Longhorn.Functions.sln"))) directory = directory.Parent;
        Assert.NotNull(directory);
        var dll = Path.Combine(directory.FullName, "functions", "Longhorn.Functions", "bin", configuration, "net10.0", "Longhorn.Functions.dll");
        Assert.True(File.Exists(dll), $"{dll} is not built");
        return dll;
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
