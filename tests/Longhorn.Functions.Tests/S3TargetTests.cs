using Microsoft.Extensions.DependencyInjection;
using System.Net;
using Longhorn.Engine.Store.S3;
using Longhorn.Functions.Tests.Support;
using Longhorn.Simulator.S3;

namespace Longhorn.Functions.Tests;

/// <summary>The host's default backup target pointed at an S3 store (the simulator's MinIO emulator) through a credential secret.</summary>
public sealed class S3TargetTests : IAsyncLifetime
{
    private const int MiB = 1024 * 1024;
    private readonly string _data = Path.Combine(Path.GetTempPath(), "longhorn-s3-target-" + Guid.NewGuid().ToString("N")[..8]);
    private S3Emulator _emulator = null!;

    public async Task InitializeAsync()
    {
        _emulator = new S3Emulator(new S3EmulatorOptions { DataDirectory = _data, RecordCalls = true });
        await _emulator.StartAsync();
    }

    public async Task DisposeAsync()
    {
        await _emulator.DisposeAsync();
        FunctionHost.TryDelete(_data);
    }

    private Dictionary<string, string> Credentials => new()
    {
        ["AWS_ACCESS_KEY_ID"] = S3EmulatorOptions.DefaultAccessKey,
        ["AWS_SECRET_ACCESS_KEY"] = S3EmulatorOptions.DefaultSecretKey,
        ["AWS_ENDPOINTS"] = _emulator.Url.ToString(),
    };

    /// <summary>The default target on the emulator's bucket through the secret <c>minio</c>, synced (no poll during the test).</summary>
    private async Task UseEmulatorAsync(Api api)
    {
        await api.SendAsync(HttpMethod.Put, "/api/secrets/minio", new { data = Credentials });
        await api.SendAsync(HttpMethod.Put, "/api/backuptargets/default", new
        {
            backupTargetURL = $"s3://{S3EmulatorOptions.DefaultBucket}@us-east-1/longhorn/", credentialSecret = "minio", pollInterval = 300,
        });
        await api.WaitForSyncAsync();
    }

    [Fact]
    public async Task Backups_go_to_an_s3_target_and_restore_from_it()
    {
        using var host = new FunctionHost();
        var api = host.Api;
        await UseEmulatorAsync(api);

        await api.CreateVolumeAsync(new { name = "vol1", size = 16L * MiB });
        var data = Api.Pattern(6 * MiB, seed: 5);
        await api.WriteAsync("vol1", 2 * MiB, data);
        var backup = await api.BackupAsync("vol1");
        Assert.StartsWith($"s3://{S3EmulatorOptions.DefaultBucket}@us-east-1/longhorn/?backup=", (string)backup["url"]!);

        // The objects are in the bucket under the target's prefix, with Longhorn's keys.
        var driver = new Longhorn.Engine.Store.BackupStoreDrivers().AddS3().Create($"s3://{S3EmulatorOptions.DefaultBucket}@us-east-1/longhorn/", Credentials);
        Assert.True(await driver.FileExistsAsync("backupstore/volumes/01/9c/vol1/volume.cfg", CancellationToken.None));

        await api.CreateVolumeAsync(new { name = "vol1-back", fromBackup = (string)backup["url"]! });
        await api.WaitForRestoreAsync("vol1-back");
        var expected = new byte[16 * MiB];
        data.CopyTo(expected, 2 * MiB);
        Assert.Equal(expected, await api.ReadAsync("vol1-back", 0, 16 * MiB));
    }

    [Fact]
    public async Task A_wrong_secret_leaves_the_s3_target_unavailable_with_a_message()
    {
        using var host = new FunctionHost();
        var api = host.Api;
        await api.SendAsync(HttpMethod.Put, "/api/secrets/bad", new
        {
            data = new Dictionary<string, string>
            {
                ["AWS_ACCESS_KEY_ID"] = S3EmulatorOptions.DefaultAccessKey,
                ["AWS_SECRET_ACCESS_KEY"] = "wrong",
                ["AWS_ENDPOINTS"] = _emulator.Url.ToString(),
            },
        });
        await api.SendAsync(HttpMethod.Put, "/api/backuptargets/default", new
        {
            backupTargetURL = $"s3://{S3EmulatorOptions.DefaultBucket}@us-east-1/", credentialSecret = "bad", pollInterval = 300,
        });
        var target = await api.WaitAsync("/api/backuptargets/default", t => ((string?)t["message"] ?? "").Length > 0, "an error message");
        Assert.False((bool)target["available"]!);
        Assert.Contains("SignatureDoesNotMatch", (string)target["message"]!);
    }

    [Fact]
    public async Task Every_s3_retry_of_a_backup_is_logged_with_its_key_and_the_backup_completes()
    {
        var logs = new CapturedLogs();
        using var host = new FunctionHost(services: services => services.AddSingleton<Microsoft.Extensions.Logging.ILoggerProvider>(logs));
        var api = host.Api;
        await UseEmulatorAsync(api);
        await api.CreateVolumeAsync(new { name = "vol1", size = 8L * MiB });
        await api.WriteAsync("vol1", 0, Api.Pattern(4 * MiB, seed: 77));
        _emulator.Faults.Set(new S3Faults { SlowDownRate = 0.3, Seed = 11 });
        var backup = await api.BackupAsync("vol1");
        var injected = _emulator.Faults.Injected;
        _emulator.Faults.Set(S3Faults.None);
        Assert.Equal("Completed", (string?)backup["state"]);
        var retries = logs.Entries.Where(e => e.Message.StartsWith("Retrying S3 ", StringComparison.Ordinal)).ToList();
        Assert.True(injected > 0, "the emulator injected no fault");
        Assert.True(retries.Count >= 1, $"{injected} faults injected, no retry logged");
        Assert.All(retries, r => Assert.Contains("backupstore/volumes/", r.Message));
    }

    [Fact]
    public async Task After_its_own_backup_writes_volume_cfg_the_host_reads_nothing_back_and_the_backup_volume_shows_the_backup()
    {
        using var host = new FunctionHost();
        var api = host.Api;
        await UseEmulatorAsync(api);
        await api.CreateVolumeAsync(new { name = "vol1", size = 8L * MiB });
        await api.WriteAsync("vol1", 0, Api.Pattern(4 * MiB, seed: 3));
        await api.BackupAsync("vol1");
        await api.WriteAsync("vol1", 0, Api.Pattern(MiB, seed: 4));
        var before = _emulator.Calls.Count;

        var backup = await api.BackupAsync("vol1");

        // The volume's requests (keys under its folder, listings by its prefix) from the second backup on.
        var calls = _emulator.Calls.Skip(before).Where(c => c.Resource.Contains("/vol1/", StringComparison.Ordinal)
            || c.Query.Contains("/vol1/", StringComparison.Ordinal)).ToList();
        var wrote = calls.FindLastIndex(c => c.Method == "PUT" && c.Resource.EndsWith("/vol1/volume.cfg", StringComparison.Ordinal));
        Assert.True(wrote >= 0, "the backup wrote no volume.cfg: " + string.Join(", ", calls.Select(c => $"{c.Method} {c.Resource}")));
        // Only the engine's release of its lock follows (a check that it is there, its removal): no listing of the
        // volume's backups, no stat or read of volume.cfg or a backup cfg.
        Assert.All(calls.Skip(wrote + 1), c => Assert.True((c.Resource + "?" + c.Query).Contains("/locks/lock-", StringComparison.Ordinal),
            $"{c.Method} {c.Resource}?{c.Query} after the backup wrote volume.cfg"));
        Assert.Contains(calls.Skip(wrote + 1), c => c.Method == "DELETE");

        var backupVolume = await api.GetAsync($"/api/backupvolumes/{Longhorn.Functions.ControlPlane.ResourceNames.BackupVolume("vol1", "default")}");
        Assert.Equal((string?)backup["name"], (string?)backupVolume["lastBackupName"]);
        Assert.Equal((string?)backup["snapshotCreated"], (string?)backupVolume["lastBackupAt"]);
        Assert.Equal(3L * 2 * MiB, (long)backupVolume["dataStored"]!);
        Assert.Equal((string?)backup["name"], (string?)(await api.GetAsync("/api/volumes/vol1"))["lastBackup"]);
    }
}

/// <summary>One engine store per target, reused by every operation, and a new one when the target's URL, secret or store settings change.</summary>
public sealed class BackupStoreCacheTests
{
    [Fact]
    public async Task A_targets_store_is_reused_until_its_secret_url_or_settings_change()
    {
        using var host = new FunctionHost();
        var api = host.Api;
        var factory = host.Services.GetRequiredService<Longhorn.Functions.ControlPlane.Targets.BackupStoreFactory>();
        var resources = host.Services.GetRequiredService<Longhorn.Functions.Resources.IResourceStore>();
        async Task<Longhorn.Engine.BackupStore> OpenAsync() =>
            await factory.OpenAsync((await resources.GetAsync<Longhorn.Functions.Resources.BackupTarget>("default", CancellationToken.None))!, CancellationToken.None);

        await api.SendAsync(HttpMethod.Put, "/api/secrets/creds", new { data = new Dictionary<string, string> { ["AWS_ACCESS_KEY_ID"] = "one" } });
        await api.SendAsync(HttpMethod.Put, "/api/backuptargets/default", new { backupTargetURL = "nfs://127.0.0.1:/backupstore", credentialSecret = "creds", pollInterval = 300 });
        var first = await OpenAsync();
        Assert.Same(first, await OpenAsync());

        await api.SendAsync(HttpMethod.Put, "/api/secrets/creds", new { data = new Dictionary<string, string> { ["AWS_ACCESS_KEY_ID"] = "two" } });
        var afterSecret = await OpenAsync();
        Assert.NotSame(first, afterSecret);
        Assert.Same(afterSecret, await OpenAsync());

        await api.SendAsync(HttpMethod.Put, "/api/settings/backup-concurrent-limit", new { value = "3" });
        var afterSetting = await OpenAsync();
        Assert.NotSame(afterSecret, afterSetting);

        await api.SendAsync(HttpMethod.Put, "/api/backuptargets/default", new { backupTargetURL = "nfs://127.0.0.1:/elsewhere", credentialSecret = "creds", pollInterval = 300 });
        Assert.NotSame(afterSetting, await OpenAsync());
    }
}
