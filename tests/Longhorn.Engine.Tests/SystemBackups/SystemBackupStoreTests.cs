using System.Security.Cryptography;
using System.Text;
using Longhorn.Engine.Store;
using Longhorn.Engine.SystemBackups;
using Longhorn.Engine.Tests.Support;

namespace Longhorn.Engine.Tests.SystemBackups;

/// <summary>Longhorn's system-backup verbs, seen only through the driver, run unchanged on every store.</summary>
public abstract class SystemBackupStoreTests : IAsyncLifetime
{
    private readonly TempDirectory _local = new();
    private IBackupStoreDriver? _driver;

    protected abstract Task<IBackupStoreDriver> CreateDriverAsync();

    private IBackupStoreDriver Driver => _driver ?? throw new InvalidOperationException("not initialised");

    public async Task InitializeAsync() => _driver = await CreateDriverAsync();

    public Task DisposeAsync()
    {
        (_driver as IDisposable)?.Dispose();
        _local.Dispose();
        return Task.CompletedTask;
    }

    private string Zip(string name, int seed)
    {
        var path = _local.Combine($"{name}-{seed}.zip");
        var bytes = new byte[70_000];
        new Random(seed).NextBytes(bytes);
        File.WriteAllBytes(path, bytes);
        return path;
    }

    private static SystemBackupConfig Config(string name) => new()
    {
        Name = name, LonghornVersion = "v1.8.1", LonghornGitCommit = "abc123", ManagerImage = "longhornio/longhorn-manager:v1.8.1",
        EngineImage = "longhornio/longhorn-engine:v1.8.1", CreatedAt = new DateTimeOffset(2026, 11, 30, 4, 23, 24, TimeSpan.Zero).AddTicks(1234560),
    };

    private async Task<byte[]> ReadAsync(string path)
    {
        await using var stream = await Driver.ReadAsync(path, default);
        using var buffer = new MemoryStream();
        await stream.CopyToAsync(buffer);
        return buffer.ToArray();
    }

    [ToolFact]
    public async Task Upload_writes_the_zip_and_a_go_cfg_with_its_sha256_then_lists_gets_and_downloads_it()
    {
        var systemBackups = new SystemBackupStore(Driver);
        var zip = Zip("demo", 1);
        var uploaded = await systemBackups.UploadAsync(zip, Config("demo"));

        var sha = Convert.ToHexStringLower(SHA256.HashData(File.ReadAllBytes(zip)));
        Assert.Equal(sha, uploaded.Checksum);
        Assert.Equal(File.ReadAllBytes(zip), await ReadAsync("backupstore/system-backups/v1.8.1/demo/system-backup.zip"));
        var cfg = Encoding.UTF8.GetString(await ReadAsync("backupstore/system-backups/v1.8.1/demo/system-backup.cfg"));
        Assert.Equal("{\"Name\":\"demo\",\"LonghornVersion\":\"v1.8.1\",\"LonghornGitCommit\":\"abc123\",\"BackupTargetURL\":\"" + Driver.Url +
                     "\",\"ManagerImage\":\"longhornio/longhorn-manager:v1.8.1\",\"EngineImage\":\"longhornio/longhorn-engine:v1.8.1\"," +
                     "\"CreatedAt\":\"2026-11-30T04:23:24.123456Z\",\"Checksum\":\"" + sha + "\"}", cfg);

        await systemBackups.UploadAsync(Zip("other", 2), Config("other") with { LonghornVersion = "v1.9.0" });
        Assert.Equal([new SystemBackupListing("demo", "v1.8.1"), new SystemBackupListing("other", "v1.9.0")], await systemBackups.ListAsync());
        Assert.Equal("backupstore/system-backups/v1.8.1/demo", (await systemBackups.ListAsync())[0].Path);
        Assert.Equal(uploaded, await systemBackups.GetConfigAsync("demo", "v1.8.1"));

        var copy = _local.Combine("copy.zip");
        await systemBackups.DownloadAsync("demo", "v1.8.1", copy);
        Assert.Equal(File.ReadAllBytes(zip), File.ReadAllBytes(copy));
    }

    [ToolFact]
    public async Task An_upload_is_refused_when_the_zip_exists_and_changes_nothing()
    {
        var systemBackups = new SystemBackupStore(Driver);
        var first = Zip("demo", 1);
        await systemBackups.UploadAsync(first, Config("demo"));
        var cfg = await ReadAsync("backupstore/system-backups/v1.8.1/demo/system-backup.cfg");

        var e = await Assert.ThrowsAsync<BackupStoreException>(() => systemBackups.UploadAsync(Zip("demo", 2), Config("demo")));
        Assert.Contains("already exists", e.Message);
        Assert.Equal(File.ReadAllBytes(first), await ReadAsync("backupstore/system-backups/v1.8.1/demo/system-backup.zip"));
        Assert.Equal(cfg, await ReadAsync("backupstore/system-backups/v1.8.1/demo/system-backup.cfg"));
    }

    [ToolFact]
    public async Task A_download_whose_checksum_differs_fails_and_leaves_no_file_and_delete_removes_the_directory()
    {
        var systemBackups = new SystemBackupStore(Driver);
        await systemBackups.UploadAsync(Zip("demo", 1), Config("demo"));
        var tampered = await ReadAsync("backupstore/system-backups/v1.8.1/demo/system-backup.zip");
        tampered[100] ^= 0xff;
        await Driver.WriteAsync("backupstore/system-backups/v1.8.1/demo/system-backup.zip", tampered, default);

        var copy = _local.Combine("copy.zip");
        var e = await Assert.ThrowsAsync<BackupStoreCorruptException>(() => systemBackups.DownloadAsync("demo", "v1.8.1", copy));
        Assert.True(e.IsChecksumMismatch);
        Assert.False(File.Exists(copy));

        await systemBackups.DeleteAsync("demo", "v1.8.1");
        Assert.Empty(await systemBackups.ListAsync());
        Assert.False(await Driver.FileExistsAsync("backupstore/system-backups/v1.8.1/demo/system-backup.cfg", default));
        await Assert.ThrowsAsync<BackupStoreNotFoundException>(() => systemBackups.GetConfigAsync("demo", "v1.8.1"));
    }
}

/// <summary>The system-backup verbs on a vfs:// store.</summary>
public sealed class FileSystemSystemBackupStoreTests : SystemBackupStoreTests, IDisposable
{
    private readonly TempDirectory _dir = new();

    protected override Task<IBackupStoreDriver> CreateDriverAsync() => new BackupStoreDrivers().CreateAsync("vfs://" + _dir.Combine("bs"));

    public void Dispose() => _dir.Dispose();
}

/// <summary>The system-backup verbs on the simulator's S3 emulator.</summary>
public sealed class EmulatorSystemBackupStoreTests(EmulatorServer server) : SystemBackupStoreTests, IClassFixture<EmulatorServer>
{
    protected override Task<IBackupStoreDriver> CreateDriverAsync() => server.Target.CreateDriverAsync();
}

/// <summary>The system-backup verbs on a real moto_server.</summary>
[RequiresTool(MotoServer.Tool)]
public sealed class MotoSystemBackupStoreTests(MotoServer moto) : SystemBackupStoreTests, IClassFixture<MotoServer>
{
    protected override Task<IBackupStoreDriver> CreateDriverAsync() =>
        (moto.Target ?? throw new InvalidOperationException(ExternalTool.MissingMessage(MotoServer.Tool))).CreateDriverAsync();
}
