using System.Net;
using System.Text.Json.Nodes;
using Longhorn.Functions.ControlPlane.SystemBackups;
using Longhorn.Functions.ControlPlane.SystemRestores;
using Longhorn.Functions.Tests.Support;
using Longhorn.Simulator.S3;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using static Longhorn.Functions.Tests.SystemBackups.SystemBackupSupport;

namespace Longhorn.Functions.Tests.SystemBackups;

/// <summary>A failing store during upload, a host stopped while Generating, and a corrupted bundle on restore.</summary>
public sealed class SystemBackupFaultTests
{
    [Fact]
    public async Task A_store_failing_during_upload_ends_in_error_with_reason_upload_and_leaves_no_zip()
    {
        var data = Directory.CreateTempSubdirectory("lh-sb-s3-").FullName;
        await using var emulator = new S3Emulator(new S3EmulatorOptions { DataDirectory = data });
        await emulator.StartAsync();
        var gate = new Gate();
        try
        {
            using var host = new FunctionHost(services: services => services.Replace(ServiceDescriptor.Singleton<IClusterObjectSource>(sp =>
                new GatedSource(ActivatorUtilities.CreateInstance<ResourceClusterObjectSource>(sp), gate))));
            var api = host.Api;
            var credentials = new Dictionary<string, string>
            {
                ["AWS_ACCESS_KEY_ID"] = S3EmulatorOptions.DefaultAccessKey,
                ["AWS_SECRET_ACCESS_KEY"] = S3EmulatorOptions.DefaultSecretKey,
                ["AWS_ENDPOINTS"] = emulator.Url.ToString(),
            };
            await api.SendAsync(HttpMethod.Put, "/api/secrets/minio", new { data = credentials });
            await api.SendAsync(HttpMethod.Put, "/api/backuptargets/default", new
            {
                backupTargetURL = $"s3://{S3EmulatorOptions.DefaultBucket}@us-east-1/lh/", credentialSecret = "minio", pollInterval = 300,
            });
            await api.WaitForSyncAsync();
            await api.SendAsync(HttpMethod.Post, "/api/systembackups", new { name = "faulty", volumeBackupPolicy = "disabled" }, HttpStatusCode.Accepted);
            await api.WaitAsync("/api/systembackups/faulty", s => (string?)s["state"] == "Generating", "Generating");

            emulator.Faults.Set(new S3Faults { InternalErrorRate = 1 });
            gate.Open();
            var failed = await api.WaitAsync("/api/systembackups/faulty", s => (string?)s["state"] is "Ready" or "Error", "the upload to fail",
                s => Assert.Equal("Error", (string?)s["state"]));
            var condition = failed["conditions"]!.AsArray().Single()!;
            Assert.Equal(("Error", "Upload"), ((string?)condition["type"], (string?)condition["reason"]));
            Assert.Contains("InternalError", (string?)failed["error"]);

            emulator.Faults.Set(S3Faults.None);
            var driver = Longhorn.Engine.Store.S3.S3Drivers.AddS3(new Longhorn.Engine.Store.BackupStoreDrivers()).Create($"s3://{S3EmulatorOptions.DefaultBucket}@us-east-1/lh/", credentials);
            Assert.False(await driver.FileExistsAsync("backupstore/system-backups/v1.10.0/faulty/system-backup.zip", CancellationToken.None));
            Assert.Empty(await new Longhorn.Engine.SystemBackups.SystemBackupStore(driver).ListAsync());
        }
        finally
        {
            gate.Open();
            FunctionHost.TryDelete(data);
        }
    }

    [Fact]
    public async Task A_host_stopped_while_generating_resumes_the_system_backup_after_restart()
    {
        var dataDir = Directory.CreateTempSubdirectory("lh-sb-restart-").FullName;
        var mounts = Directory.CreateTempSubdirectory("lh-sb-mounts-").FullName;
        try
        {
            var gate = new Gate();
            using (var first = new FunctionHost(mountRoot: mounts, dataDir: dataDir, services: services => services.Replace(
                       ServiceDescriptor.Singleton<IClusterObjectSource>(sp => new GatedSource(ActivatorUtilities.CreateInstance<ResourceClusterObjectSource>(sp), gate)))))
            {
                var a = first.Api;
                await a.WaitForSyncAsync();
                await a.CreateVolumeAsync(new { name = "vol1", size = 4L * MiB });
                await a.SendAsync(HttpMethod.Post, "/api/systembackups", new { name = "interrupted", volumeBackupPolicy = "always" }, HttpStatusCode.Accepted);
                await a.WaitAsync("/api/systembackups/interrupted", s => (string?)s["state"] == "Generating", "Generating");
            }
            Assert.False(Directory.Exists(Path.Combine(mounts, "127_0_0_1", "backupstore", "backupstore", "system-backups", "v1.10.0", "interrupted")));

            using var second = new FunctionHost(mountRoot: mounts, dataDir: dataDir);
            var b = second.Api;
            var ready = await b.WaitAsync("/api/systembackups/interrupted", s => (string?)s["state"] is "Ready" or "Error", "the resumed system backup",
                s => Assert.True((string?)s["state"] == "Ready", s.ToJsonString()));
            // Its volume backup was made before the stop and not made again.
            Assert.Single(await b.SystemBackupBackupsAsync("vol1"));
            var zip = ReadZip(Path.Combine(StoreDirectory(second, "interrupted"), "system-backup.zip"));
            Assert.Equal(["vol1"], zip["interrupted/yamls/longhorn/volumes.yaml"]!.Items().Select(i => i.ItemName()));
            Assert.NotNull(ready["createdAt"]);
        }
        finally
        {
            FunctionHost.TryDelete(dataDir);
            FunctionHost.TryDelete(mounts);
        }
    }

    [Fact]
    public async Task A_corrupted_zip_in_the_store_fails_the_restore_before_anything_is_applied()
    {
        var applied = new List<string>();
        using var host = new FunctionHost(services: services => services.Replace(ServiceDescriptor.Singleton<IClusterObjectSink>(sp =>
            new RecordingSink(ActivatorUtilities.CreateInstance<ResourceClusterObjectSink>(sp), applied))));
        var api = host.Api;
        await api.WaitForSyncAsync();
        await api.CreateVolumeAsync(new { name = "vol1", size = 4L * MiB });
        await api.SystemBackupAsync("tampered", "disabled");
        var zipPath = Path.Combine(StoreDirectory(host, "tampered"), "system-backup.zip");
        var bytes = File.ReadAllBytes(zipPath);
        bytes[bytes.Length / 2] ^= 0x5a;
        File.WriteAllBytes(zipPath, bytes);
        applied.Clear();

        await api.SendAsync(HttpMethod.Post, "/api/systemrestores", new { name = "bad", systemBackup = "tampered" }, HttpStatusCode.Accepted);
        var failed = await api.WaitAsync("/api/systemrestores/bad", r => (string?)r["state"] is "Completed" or "Error", "the restore to fail",
            r => Assert.Equal("Error", (string?)r["state"]));
        Assert.Equal("Download", (string?)failed["conditions"]![0]!["reason"]);
        Assert.Contains("SHA-256", (string?)failed["error"]);
        Assert.Empty(applied);
        Assert.False(Directory.Exists(Path.Combine(host.DataDir, "system-restores")) && Directory.EnumerateFiles(Path.Combine(host.DataDir, "system-restores")).Any());
    }

    /// <summary>Holds every listing until opened (or the host stops): the system backup waits in Generating.</summary>
    private sealed class Gate
    {
        private readonly TaskCompletionSource _open = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public Task WaitAsync(CancellationToken cancellationToken) => _open.Task.WaitAsync(cancellationToken);

        public void Open() => _open.TrySetResult();
    }

    private sealed class GatedSource(IClusterObjectSource inner, Gate gate) : IClusterObjectSource
    {
        public async Task<IReadOnlyList<JsonObject>> ListAsync(string apiVersion, string kind, string? @namespace, CancellationToken cancellationToken)
        {
            await gate.WaitAsync(cancellationToken);
            return await inner.ListAsync(apiVersion, kind, @namespace, cancellationToken);
        }

        public Task<string> GetKubernetesVersionAsync(CancellationToken cancellationToken) => inner.GetKubernetesVersionAsync(cancellationToken);
    }

    private sealed class RecordingSink(IClusterObjectSink inner, List<string> applied) : IClusterObjectSink
    {
        public Task ApplyAsync(JsonObject item, CancellationToken cancellationToken)
        {
            lock (applied) applied.Add((string)item["kind"]! + "/" + (string)item["metadata"]!["name"]!);
            return inner.ApplyAsync(item, cancellationToken);
        }
    }
}
