using Longhorn.Functions.Cluster;
using Microsoft.Extensions.DependencyInjection;
using System.Buffers;
using System.Diagnostics;
using Longhorn.Benchmarks.Images;
using Longhorn.Engine;
using Longhorn.Engine.Backups;
using Longhorn.Engine.Blocks;
using Longhorn.Engine.Format;
using Longhorn.Engine.Locks;
using Longhorn.Engine.Restores;
using Longhorn.Engine.Store;
using Longhorn.Engine.Store.S3;
using Longhorn.Simulator.Replicas;

namespace Longhorn.Benchmarks;

/// <summary>The work a child process times: one backup, restore, deletion or listing, in a process of its own.</summary>
public static class ChildTasks
{
    public const string Volume = "bench-volume";

    /// <summary>Engine options for the benchmark: Longhorn's defaults but for the lock's fixed 2 s settle wait.</summary>
    public static BackupStoreOptions Options(bool lz4ContentChecksum) => new()
    {
        // The settle is a constant wait for multi-writer safety, not throughput: reported separately. The host scenario
        // sets it (LONGHORN_BENCH_SETTLE_SECONDS) to compare the engine with the host, settle and all.
        Locks = new LockOptions { SettleTime = TimeSpan.FromSeconds(double.Parse(
            Environment.GetEnvironmentVariable("LONGHORN_BENCH_SETTLE_SECONDS") ?? "0", System.Globalization.CultureInfo.InvariantCulture)) },
        BackupConcurrency = 2,
        RestoreConcurrency = 2,
        Lz4ContentChecksum = lz4ContentChecksum,
    };

    public static async Task<int> RunAsync(string[] args)
    {
        string Arg(string name) => args[Array.IndexOf(args, "--" + name) + 1];
        bool Flag(string name) => args.Contains("--" + name);
        var checksum = Flag("content-checksum");
        await WarmUpAsync(checksum);
        Measurement result = args[0] switch
        {
            "backup" => await BackupAsync(Arg("replica"), Arg("store"), Arg("snapshot"), checksum),
            "restore" => await RestoreAsync(Arg("store"), Arg("target"), checksum),
            "delete" => await DeleteAsync(Arg("store"), Arg("backup")),
            "delete-warm" => await DeleteWarmAsync(Arg("store"), Arg("backup")),
            "write-limit" => await WriteLimitAsync(Arg("offsets"), long.Parse(Arg("size"), System.Globalization.CultureInfo.InvariantCulture), Arg("target")),
            "list" => await ListAsync(Arg("store")),
            "list-resources" => await ListResourcesAsync(Arg("db")),
            "list-answers" => await ListAnswersAsync(Arg("db"), Arg("route")),
            "backup-many" => await BackupManyAsync(int.Parse(Arg("volumes"), System.Globalization.CultureInfo.InvariantCulture),
                int.Parse(Arg("bytes"), System.Globalization.CultureInfo.InvariantCulture), Arg("dir")),
            _ => throw new ArgumentException($"unknown child task {args[0]}"),
        };
        Console.WriteLine(result.ToJson());
        return 0;
    }

    /// <summary>
    /// Runs a tiny backup and restore first so the timed operation measures the engine warm, as it runs in a
    /// long-lived function host, and not the JIT compiling it.
    /// </summary>
    private static async Task WarmUpAsync(bool checksum)
    {
        var dir = Path.Combine(Path.GetTempPath(), "longhorn-bench-warmup-" + Environment.ProcessId);
        try
        {
            await using (var replica = Replica.Create(Path.Combine(dir, "replica"), 4 * 1024 * 1024))
            {
                await replica.WriteAsync(0, new byte[2 * 1024 * 1024]);
                await replica.CreateSnapshotAsync("warm");
                var store = Store(Path.Combine(dir, "store"), checksum);
                var result = await store.CreateBackupAsync(new BackupRequest { VolumeName = Volume, SnapshotName = "warm" }, replica);
                using var target = new FileRestoreTarget(Path.Combine(dir, "restored.img"));
                await store.RestoreAsync(Volume, result.BackupName, target);
                await store.DeleteBackupAsync(Volume, result.BackupName);
                await store.ListAsync();
            }
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    /// <summary>A directory is a vfs:// store; a URL (s3://...) takes its credentials from the AWS_* environment variables.</summary>
    private static BackupStore Store(string storeDirectoryOrUrl, bool checksum)
    {
        if (!storeDirectoryOrUrl.Contains("://", StringComparison.Ordinal))
            return new BackupStore(new BackupStoreDrivers().Create("vfs://" + storeDirectoryOrUrl), Options(checksum));
        var credentials = new[] { "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_ENDPOINTS" }
            .Where(k => Environment.GetEnvironmentVariable(k) is not null)
            .ToDictionary(k => k, k => Environment.GetEnvironmentVariable(k)!);
        return new BackupStore(new BackupStoreDrivers().AddS3().Create(storeDirectoryOrUrl, credentials), Options(checksum));
    }

    private static async Task<Measurement> BackupAsync(string replicaPath, string storeDirectory, string snapshot, bool checksum)
    {
        await using var replica = Replica.Open(replicaPath);
        var store = Store(storeDirectory, checksum);
        var clock = Stopwatch.StartNew();
        await store.CreateBackupAsync(new BackupRequest { VolumeName = Volume, SnapshotName = snapshot, Compression = CompressionMethod.Lz4 }, replica);
        return new Measurement(clock.Elapsed.TotalSeconds, Measurement.CurrentPeakRss());
    }

    private static async Task<Measurement> RestoreAsync(string storeDirectory, string target, bool checksum)
    {
        var store = Store(storeDirectory, checksum);
        var backup = (await store.InspectVolumeAsync(Volume)).LastBackupName;
        var clock = Stopwatch.StartNew();
        using (var file = new FileRestoreTarget(target))
            await store.RestoreAsync(Volume, backup, file);
        return new Measurement(clock.Elapsed.TotalSeconds, Measurement.CurrentPeakRss());
    }

    /// <summary>
    /// The machine's limit for what a restore writes: a fresh file of the volume's size, and a block of the same size at
    /// each offset the restore writes, one after another, through the same kind of handle, closed and not flushed, as
    /// <see cref="FileRestoreTarget"/> does. The bytes are random: the file system sees what a restore gives it.
    /// </summary>
    private static async Task<Measurement> WriteLimitAsync(string offsetsFile, long size, string target)
    {
        var offsets = File.ReadAllLines(offsetsFile).Select(line => long.Parse(line, System.Globalization.CultureInfo.InvariantCulture)).ToList();
        var block = new byte[ImageSpec.BlockSize];
        new Random(1).NextBytes(block);
        var clock = Stopwatch.StartNew();
        using (var handle = File.OpenHandle(target, FileMode.Create, FileAccess.ReadWrite, FileShare.Read, FileOptions.Asynchronous))
        {
            RandomAccess.SetLength(handle, size);
            foreach (var offset in offsets) await RandomAccess.WriteAsync(handle, block, offset);
        }
        return new Measurement(clock.Elapsed.TotalSeconds, Measurement.CurrentPeakRss());
    }

    private static async Task<Measurement> DeleteAsync(string storeDirectory, string backup)
    {
        var store = Store(storeDirectory, true);
        var clock = Stopwatch.StartNew();
        await store.DeleteBackupAsync(Volume, backup);
        return new Measurement(clock.Elapsed.TotalSeconds, Measurement.CurrentPeakRss());
    }

    /// <summary>
    /// The same delete as a long-lived host runs it once it has deleted before: the same delete on a copy of the store
    /// first (its code then compiled by the tiered JIT, as in a host that has been up a while), then the timed one.
    /// </summary>
    private static async Task<Measurement> DeleteWarmAsync(string storeDirectory, string backup)
    {
        var copy = storeDirectory.TrimEnd('/') + "-warm-up";
        CopyTree(storeDirectory, copy);
        for (var i = 0; i < 3; i++)
        {
            await Store(copy, true).DeleteBackupAsync(Volume, backup);
            Directory.Delete(copy, recursive: true);
            if (i < 2) CopyTree(storeDirectory, copy);
        }
        Measurement.FlushDirtyPages();
        return await DeleteAsync(storeDirectory, backup);
    }

    private static void CopyTree(string from, string to)
    {
        foreach (var directory in Directory.EnumerateDirectories(from, "*", SearchOption.AllDirectories))
            Directory.CreateDirectory(Path.Combine(to, Path.GetRelativePath(from, directory)));
        foreach (var file in Directory.EnumerateFiles(from, "*", SearchOption.AllDirectories))
            File.Copy(file, Path.Combine(to, Path.GetRelativePath(from, file)));
    }

    private static async Task<Measurement> ListAsync(string storeDirectory)
    {
        var store = Store(storeDirectory, true);
        var clock = Stopwatch.StartNew();
        var volumes = await store.ListAsync();
        var backups = 0;
        foreach (var volume in volumes)
        {
            await store.InspectVolumeAsync(volume.Name);
            foreach (var backup in volume.BackupNames)
            {
                await store.InspectBackupAsync(volume.Name, backup);
                backups++;
            }
        }
        if (backups == 0) throw new InvalidOperationException("the listing found no backups");
        return new Measurement(clock.Elapsed.TotalSeconds, Measurement.CurrentPeakRss());
    }

    /// <summary>What GET /api/backupvolumes and GET /api/backups read: the resources, never the store.</summary>
    private static async Task<Measurement> ListResourcesAsync(string databasePath)
    {
        var resources = new Longhorn.Functions.Cluster.SqliteResourceStore(databasePath, TimeProvider.System);
        await resources.ListAsync<Longhorn.Functions.Resources.Setting>(null, CancellationToken.None); // opens the database
        var clock = Stopwatch.StartNew();
        var volumes = await resources.ListAsync<Longhorn.Functions.Resources.BackupVolume>(null, CancellationToken.None);
        var backups = await resources.ListAsync<Longhorn.Functions.Resources.Backup>(null, CancellationToken.None);
        if (volumes.Count == 0 || backups.Count == 0) throw new InvalidOperationException("the resource store holds no backups");
        return new Measurement(clock.Elapsed.TotalSeconds, Measurement.CurrentPeakRss());
    }

    /// <summary>
    /// The engine alone on what the host's concurrent scenario backs up: the same volumes (replicas holding the same
    /// bytes), backed up at once to one filesystem store, with Longhorn's 2 s settle as the host has it.
    /// </summary>
    private static async Task<Measurement> BackupManyAsync(int volumes, int bytesEach, string directory)
    {
        var replicas = new List<Replica>();
        try
        {
            for (var v = 0; v < volumes; v++)
            {
                var replica = Replica.Create(Path.Combine(directory, $"replica{v}"), bytesEach);
                replicas.Add(replica);
                for (var offset = 0; offset < bytesEach; offset += ImageSpec.BlockSize)
                    await replica.WriteAsync(offset, Scenarios.HostPath.VolumeData(v, offset));
                await replica.CreateSnapshotAsync("s1");
            }
            Measurement.FlushDirtyPages();
            var store = new BackupStore(new BackupStoreDrivers().Create("vfs://" + Directory.CreateDirectory(Path.Combine(directory, "store")).FullName),
                Options(false) with { Locks = new LockOptions() });
            var clock = Stopwatch.StartNew();
            await Task.WhenAll(replicas.Select((replica, v) =>
                store.CreateBackupAsync(new BackupRequest { VolumeName = $"vol{v}", SnapshotName = "s1", Compression = CompressionMethod.Lz4 }, replica)));
            return new Measurement(clock.Elapsed.TotalSeconds, Measurement.CurrentPeakRss());
        }
        finally
        {
            foreach (var replica in replicas) await replica.DisposeAsync();
        }
    }

    /// <summary>
    /// The server's work for GET /api/backupvolumes or GET /api/backups (<paramref name="route"/>) in a host that has
    /// answered it before (it is long-lived): the resources, their views, the page and its JSON written by the route's
    /// own answer (<see cref="Longhorn.Functions.Http.Answers.Page"/>) to nowhere. Three answers first, then the timed one.
    /// </summary>
    /// <summary>
    /// The route's server work in a host that has answered it many times (30 answers first, so the code is the JIT's
    /// optimized code a long-running host runs): the median of 15 timed answers. With <c>-after-write</c> one object of
    /// the listed kind (a backup's progress, say) is written before every answer, so each one reads the list again from
    /// the database, every unchanged object reused.
    /// </summary>
    private static async Task<Measurement> ListAnswersAsync(string databasePath, string route)
    {
        var resources = new Longhorn.Functions.Cluster.SqliteResourceStore(databasePath, TimeProvider.System);
        using var services = new Microsoft.Extensions.DependencyInjection.ServiceCollection().AddLogging().BuildServiceProvider();
        var afterWrite = route.EndsWith("-after-write", StringComparison.Ordinal);
        route = route.Replace("-after-write", "", StringComparison.Ordinal);
        var times = new List<double>();
        for (var i = 0; i < 45; i++)
        {
            if (afterWrite) await WriteOneAsync(resources, route);
            var clock = Stopwatch.StartNew();
            await AnswerAsync(resources, services, route);
            if (i >= 30) times.Add(clock.Elapsed.TotalSeconds);
        }
        times.Sort();
        return new Measurement(times[times.Count / 2], Measurement.CurrentPeakRss());
    }

    private static async Task WriteOneAsync(Longhorn.Functions.Cluster.SqliteResourceStore resources, string route)
    {
        if (route == "backups")
        {
            var backup = (await resources.ListAsync<Longhorn.Functions.Resources.Backup>(null, CancellationToken.None))[0];
            await resources.UpdateAsync(backup with { Status = backup.Status with { Progress = backup.Status.Progress + 1 } }, CancellationToken.None);
        }
        else
        {
            var volume = (await resources.ListAsync<Longhorn.Functions.Resources.BackupVolume>(null, CancellationToken.None))[0];
            await resources.UpdateAsync(volume with { Status = volume.Status with { Size = volume.Status.Size + 1 } }, CancellationToken.None);
        }
    }

    private static async Task AnswerAsync(Longhorn.Functions.Cluster.SqliteResourceStore resources, IServiceProvider services, string route)
    {
        var context = new Microsoft.AspNetCore.Http.DefaultHttpContext { RequestServices = services };
        context.Response.Body = Stream.Null;
        var answer = route switch
        {
            "backupvolumes" => Longhorn.Functions.Http.Answers.Page(context.Request, "backupVolume",
                await resources.ListAsync<Longhorn.Functions.Resources.BackupVolume>(null, CancellationToken.None),
                Longhorn.Functions.Http.Views.BackupVolumeView.From),
            "backups" => Longhorn.Functions.Http.Answers.Page(context.Request, "backup",
                await resources.ListAsync<Longhorn.Functions.Resources.Backup>(null, CancellationToken.None),
                Longhorn.Functions.Http.Views.BackupView.From),
            _ => throw new ArgumentException($"no list route {route}"),
        };
        await answer.ExecuteAsync(context);
    }

    /// <summary>Checks a restored file against the image: equal data blocks, and the right length.</summary>
    public static void VerifyRestore(PreparedImage image, string restored)
    {
        if (new FileInfo(restored).Length != image.Spec.Size)
            throw new InvalidOperationException($"restored {restored} has the wrong size");
        var a = ArrayPool<byte>.Shared.Rent(ImageSpec.BlockSize);
        var b = ArrayPool<byte>.Shared.Rent(ImageSpec.BlockSize);
        using var expected = File.OpenHandle(image.ImagePath);
        using var actual = File.OpenHandle(restored);
        foreach (var offset in image.DataOffsets)
        {
            RandomAccess.Read(expected, a.AsSpan(0, ImageSpec.BlockSize), offset);
            RandomAccess.Read(actual, b.AsSpan(0, ImageSpec.BlockSize), offset);
            if (!a.AsSpan(0, ImageSpec.BlockSize).SequenceEqual(b.AsSpan(0, ImageSpec.BlockSize)))
                throw new InvalidOperationException($"restored {restored} differs from the image at {offset}");
        }
        ArrayPool<byte>.Shared.Return(a);
        ArrayPool<byte>.Shared.Return(b);
    }

    /// <summary>Writes a store holding one volume with <paramref name="backups"/> backups over <paramref name="blocks"/> small block objects.</summary>
    public static async Task<string> SynthesizeGcStoreAsync(string storeDirectory, int backups, int blocks, int blocksPerBackup)
    {
        var driver = new BackupStoreDrivers().Create("vfs://" + storeDirectory);
        var ids = Enumerable.Range(0, blocks).Select(i => BlockId.Compute(BitConverter.GetBytes(i))).ToArray();
        var payload = new byte[64];
        await Parallel.ForEachAsync(ids, async (id, ct) => await driver.WriteAsync(StorePaths.Block(Volume, id), payload, ct));
        var stride = (blocks - blocksPerBackup) / Math.Max(1, backups - 1);
        for (var b = 0; b < backups; b++)
        {
            var map = Enumerable.Range(0, blocksPerBackup).Select(i => new BackupBlock((long)i * ImageSpec.BlockSize, ids[b * stride + i])).ToList();
            var cfg = new BackupConfig
            {
                Name = $"backup-{b:d4}", VolumeName = Volume, SnapshotName = $"snap-{b}",
                SnapshotCreatedAt = Timestamps.Format(DateTimeOffset.UnixEpoch.AddHours(b)), CreatedTime = Timestamps.Format(DateTimeOffset.UnixEpoch.AddHours(b)),
                Size = (long)blocksPerBackup * ImageSpec.BlockSize, CompressionMethod = "lz4", Blocks = map,
                Parameters = new Dictionary<string, string> { ["backup-block-size"] = "2097152" },
            };
            await driver.WriteAsync(StorePaths.BackupConfig(Volume, cfg.Name), cfg.ToJson(), CancellationToken.None);
        }
        var volume = new VolumeConfig
        {
            Name = Volume, Size = (long)blocksPerBackup * ImageSpec.BlockSize, CreatedTime = Timestamps.Format(DateTimeOffset.UnixEpoch),
            LastBackupName = $"backup-{backups - 1:d4}", BlockCount = blocks, CompressionMethod = "lz4", DataEngine = "v1",
        };
        await driver.WriteAsync(StorePaths.VolumeConfig(Volume), volume.ToJson(), CancellationToken.None);
        return $"backup-{backups / 2:d4}";
    }
}
