using System.Text.RegularExpressions;
using Amazon.Runtime;
using Amazon.S3;
using Amazon.S3.Model;
using Longhorn.Engine.Backups;
using Longhorn.Engine.Blocks;
using Longhorn.Engine.Store;
using Longhorn.Engine.Tests.Support;

namespace Longhorn.Engine.Tests.S3;

/// <summary>The S3 driver writes Longhorn's layout: the keys in moto are, object for object, the filesystem store's paths.</summary>
[RequiresTool(MotoServer.Tool)]
public sealed partial class S3KeyLayoutTests(MotoServer moto) : IClassFixture<MotoServer>, IDisposable
{
    private const int MiB = 1024 * 1024;
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    [ToolFact]
    public async Task Keys_written_to_moto_equal_the_paths_written_to_the_filesystem()
    {
        var target = moto.Target ?? throw new InvalidOperationException(ExternalTool.MissingMessage(MotoServer.Tool));
        var fsRoot = _dir.Combine("fs");
        var onFiles = new FaultyDriver(await new BackupStoreDrivers().CreateAsync("vfs://" + fsRoot));
        var prefix = $"layout-{Guid.NewGuid():N}";
        var onS3 = new FaultyDriver(await target.CreateDriverAsync($"s3://{target.Bucket}@us-east-1/{prefix}/"));

        await RunScenarioAsync(onFiles);
        await RunScenarioAsync(onS3);

        Assert.Equal(Normalised(onFiles.Operations), Normalised(onS3.Operations));
        var files = Directory.EnumerateFiles(fsRoot, "*", SearchOption.AllDirectories)
            .Select(f => Path.GetRelativePath(fsRoot, f)).Order(StringComparer.Ordinal).ToList();
        var keys = (await RawKeysAsync(target, prefix + "/")).Select(k => k[(prefix.Length + 1)..]).ToList();
        Assert.NotEmpty(files);
        Assert.Equal(files, keys);
        Assert.Contains("backupstore/volumes/01/9c/vol1/backups/backup_backup-second.cfg", keys);
        Assert.Contains("backupstore/system-backups/v1.8.0/sb1/sb1.zip", keys);
    }

    /// <summary>Full and incremental backups of two volumes, a deletion with block GC, and a large upload.</summary>
    private async Task RunScenarioAsync(IBackupStoreDriver driver)
    {
        var store = new BackupStore(driver, new BackupStoreOptions(), new ImmediateTimeProvider());
        var source = new MemorySnapshotSource(8 * MiB);
        var random = new Random(42);
        var block = new byte[MiB];
        random.NextBytes(block);
        source.Write(0, block);
        source.Write(4 * MiB, block);
        source.Fill(6 * MiB, MiB, 7);
        source.Snapshot("s1");
        await store.CreateBackupAsync(new BackupRequest { VolumeName = "vol1", SnapshotName = "s1", BackupName = "backup-first" }, source);
        random.NextBytes(block);
        source.Write(2 * MiB, block);
        source.Snapshot("s2");
        await store.CreateBackupAsync(new BackupRequest { VolumeName = "vol1", SnapshotName = "s2", BackupName = "backup-second" }, source);
        await store.CreateBackupAsync(new BackupRequest { VolumeName = "pvc-0a1b2c3d", SnapshotName = "s2", BackupName = "backup-gzip", Compression = CompressionMethod.Gzip }, source);
        source.Fill(0, 2 * MiB, 9);
        source.Snapshot("s3");
        var third = await store.CreateBackupAsync(new BackupRequest { VolumeName = "vol1", SnapshotName = "s3", BackupName = "backup-third" }, source);
        await store.DeleteBackupAsync("vol1", "backup-first");

        var zip = _dir.Combine($"bundle-{Guid.NewGuid():N}.zip");
        var bundle = new byte[6 * MiB];
        new Random(5).NextBytes(bundle);
        await File.WriteAllBytesAsync(zip, bundle);
        await driver.UploadAsync(zip, "backupstore/system-backups/v1.8.0/sb1/sb1.zip", default);
        Assert.Equal(4, third.Config.Blocks.Count);
    }

    /// <summary>The operations with lock names generalised, sorted: block uploads run on parallel workers, in any order.</summary>
    private static IEnumerable<string> Normalised(IEnumerable<string> operations) =>
        operations.Select(o => LockName().Replace(o, "lock-*.lck")).Order(StringComparer.Ordinal);

    private static async Task<List<string>> RawKeysAsync(S3TestTarget target, string prefix)
    {
        using var client = new AmazonS3Client(new BasicAWSCredentials(target.AccessKey, target.SecretKey),
            new AmazonS3Config { ServiceURL = target.Endpoint.ToString(), ForcePathStyle = true, AuthenticationRegion = "us-east-1" });
        var keys = new List<string>();
        string? token = null;
        do
        {
            var page = await client.ListObjectsV2Async(new ListObjectsV2Request { BucketName = target.Bucket, Prefix = prefix, ContinuationToken = token });
            keys.AddRange((page.S3Objects ?? []).Select(o => o.Key));
            token = page.IsTruncated == true ? page.NextContinuationToken : null;
        } while (token is not null);
        return keys;
    }

    [GeneratedRegex("lock-[0-9a-f]+\\.lck")]
    private static partial Regex LockName();
}
