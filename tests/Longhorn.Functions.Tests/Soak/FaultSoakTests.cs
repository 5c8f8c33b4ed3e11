using System.Globalization;
using Longhorn.Engine.Store;
using Longhorn.Engine.Store.S3;
using Longhorn.Functions.Tests.Support;
using Xunit.Abstractions;

namespace Longhorn.Functions.Tests.Soak;

/// <summary>
/// Issue #13's fault soak, on a filesystem target and on the S3 emulator with slow-downs, drops and 500s: two host processes,
/// concurrent backups, deletes, restores and SIGKILLs. Bounded for CI (25 s of workload per target);
/// <c>LONGHORN_SOAK_SECONDS=600</c> runs it longer. The figures go to the test output and to <c>soak/figures-&lt;target&gt;.txt</c>
/// beside the test assembly.
/// </summary>
public sealed class FaultSoakTests(ITestOutputHelper output)
{
    private const string Bucket = "backupbucket";

    private static TimeSpan Workload => TimeSpan.FromSeconds(
        Environment.GetEnvironmentVariable("LONGHORN_SOAK_SECONDS") is { Length: > 0 } seconds ? double.Parse(seconds, CultureInfo.InvariantCulture) : 25);

    [Fact]
    public async Task Two_hosts_on_a_filesystem_target_keep_every_backup_through_kills()
    {
        var work = Directory.CreateTempSubdirectory("lh-soak-fs-").FullName;
        var mounts = Path.Combine(work, "mounts");
        var environment = HostEnvironment(lockSettleSeconds: "0.5");
        environment["Longhorn__BackupstoreMountRoot"] = mounts;
        var target = new SoakTarget("filesystem (nfs:// export shared by both hosts)", environment,
            WaitAvailableAsync,
            () => new BackupStoreDrivers(new BackupStoreDriverOptions { MountRoot = mounts }).Create("nfs://127.0.0.1:/backupstore"),
            _ => Task.CompletedTask,
            () => Task.FromResult(0L),
            Path.Combine(mounts, "127_0_0_1", "backupstore"));
        await RunAsync("filesystem", work, target, faulty: false);
    }

    [Fact]
    public async Task Two_hosts_on_a_faulty_s3_target_keep_every_backup_through_kills()
    {
        var work = Directory.CreateTempSubdirectory("lh-soak-s3-").FullName;
        using var emulator = await S3EmulatorProcess.StartAsync(Path.Combine(work, "s3"));
        var credentials = new Dictionary<string, string>
        {
            ["AWS_ACCESS_KEY_ID"] = "longhorn-test-access-key",
            ["AWS_SECRET_ACCESS_KEY"] = "longhorn-test-secret-key",
            ["AWS_ENDPOINTS"] = emulator.Url.ToString(),
        };
        var url = $"s3://{Bucket}@us-east-1/soak/";
        var target = new SoakTarget("S3 emulator with slow-downs, drops and 500s", HostEnvironment(lockSettleSeconds: "2"),
            async host =>
            {
                await host.ExpectAsync(HttpMethod.Put, "/api/secrets/minio", new { data = credentials });
                await host.ExpectAsync(HttpMethod.Put, "/api/backuptargets/default", new { backupTargetURL = url, credentialSecret = "minio", pollInterval = 10 });
                await WaitAvailableAsync(host);
            },
            () => new BackupStoreDrivers().AddS3().Create(url, credentials),
            on => emulator.SetFaultsAsync(on
                ? new { latencyMs = 5, slowDownRate = 0.03, internalErrorRate = 0.03, dropRate = 0.02, seed = 7 }
                : new { latencyMs = 0, slowDownRate = 0.0, internalErrorRate = 0.0, dropRate = 0.0, seed = 7 }),
            emulator.InjectedAsync,
            null);
        await RunAsync("s3", work, target, faulty: true);
    }

    private async Task RunAsync(string kind, string work, SoakTarget target, bool faulty)
    {
        var figures = await new SoakRun(target, work, Workload, output).RunAsync();
        var report = figures.Report();
        output.WriteLine(report);
        var directory = Path.Combine(AppContext.BaseDirectory, "soak");
        Directory.CreateDirectory(directory);
        await File.WriteAllTextAsync(Path.Combine(directory, $"figures-{kind}.txt"), report);

        Assert.True(figures.Failures.Count == 0, $"{report}\nhost logs in {work}");
        // Not a vacuous run: hosts were killed, backups completed and restored, and on S3 faults were injected.
        Assert.True(figures.Kills > 0, report);
        Assert.True(figures.BackupsVerifiedAtEnd > 0, report);
        Assert.True(figures.RestoresVerifiedByHosts > 0, report);
        if (faulty) Assert.True(figures.FaultsInjected > 0, report);
        FunctionHost.TryDelete(work);
    }

    private static Dictionary<string, string> HostEnvironment(string lockSettleSeconds) => new()
    {
        ["Longhorn__LockSettleTimeSeconds"] = lockSettleSeconds,
        ["Longhorn__RestoreRetryDelaySeconds"] = "0.2,0.5,1,2",
        ["Longhorn__BackupstorePollInterval"] = "10",
        // Failed deletions are retried by the reconciler; every 5 s instead of 30 keeps the run short.
        ["ReconcileSchedule"] = "*/5 * * * * *",
        // A long run takes hundreds of backups per volume: their snapshots go once backed up, as under Longhorn's setting.
        ["Longhorn__Settings__auto-cleanup-snapshot-after-on-demand-backup-completed"] = "true",
        ["Logging__LogLevel__Default"] = "Warning",
        ["Logging__LogLevel__Longhorn.Functions.ControlPlane.Targets.LeftoverStoreFiles"] = "Information",
    };

    private static async Task WaitAvailableAsync(SoakHost host)
    {
        var deadline = DateTime.UtcNow + Api.Patience;
        while (true)
        {
            var target = await host.ExpectAsync(HttpMethod.Get, "/api/backuptargets/default", null);
            if ((bool?)target["available"] == true) return;
            Assert.True(DateTime.UtcNow < deadline, $"{host.Name}: target never available: {target.ToJsonString()}");
            await Task.Delay(100);
        }
    }
}
