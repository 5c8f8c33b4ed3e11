using System.Security.Cryptography;
using Longhorn.Engine.Backups;
using Longhorn.Engine.Blocks;
using Longhorn.Engine.Checks;
using Longhorn.Engine.Format;
using Longhorn.Engine.Locks;
using Longhorn.Engine.Store;
using Longhorn.Engine.Tests.Support;
using Microsoft.Extensions.Logging.Abstractions;

namespace Longhorn.Engine.Tests.Conformance;

/// <summary>
/// One backupstore conformance suite (spec §10 and the engine's behaviour: backup, incremental, restore, delete and
/// GC, locks, listing), seen only through the driver and BackupStore APIs, run unchanged against every store.
/// </summary>
public abstract class StoreConformanceTests : IAsyncLifetime
{
    private const int MiB = 1024 * 1024;
    private const string BlockA = "0e40a436f8fb0e52220bfc58105122a14bb42e90ddc03e6366334c6d9e8ed50f";
    private const string BlockB = "07845f9f6994e96c314a48a6c67740a65d91826a9bd39d869412fcc84117bab4";
    private const string BlockZero = "731859029215873fdac1c9f2f8bd25a334abf0f3a9e1b057cf2cacc2826d86b0";
    private const string Vol1 = "backupstore/volumes/01/9c/vol1/";

    private TestStore? _bs;

    /// <summary>A driver on an empty store of the kind under test.</summary>
    protected abstract Task<IBackupStoreDriver> CreateDriverAsync();

    private TestStore Bs => _bs ?? throw new InvalidOperationException("not initialised");

    public async Task InitializeAsync() => _bs = new TestStore(await CreateDriverAsync());

    public Task DisposeAsync()
    {
        _bs?.Dispose();
        return Task.CompletedTask;
    }

    private static MemorySnapshotSource CaseTwoVolume()
    {
        var source = new MemorySnapshotSource(4 * MiB);
        source.Fill(0, 2 * MiB, (byte)'a');
        source.Fill(2 * MiB, 2 * MiB, 0);
        source.Snapshot("snap1");
        return source;
    }

    private Task<BackupResult> Backup(MemorySnapshotSource source, string snapshot, string volume = "vol1",
        CompressionMethod method = CompressionMethod.Lz4, long blockSize = 2 * MiB, BackupStore? store = null) =>
        (store ?? Bs.Store).CreateBackupAsync(new BackupRequest
        {
            VolumeName = volume, SnapshotName = snapshot, Compression = method, BlockSize = blockSize,
            Labels = new Dictionary<string, string> { ["KubernetesStatus"] = "{}" },
        }, source);

    private static string BlockPath(string id) => $"{Vol1}blocks/{id[..2]}/{id[2..4]}/{id}.blk";

    private async Task<IReadOnlyList<string>> BlockIdsAsync() =>
        (await Bs.ObjectsAsync(Vol1 + "blocks")).Select(p => Path.GetFileNameWithoutExtension(p)).Order(StringComparer.Ordinal).ToList();

    [ToolFact]
    public async Task Volume_directories_are_hashed_from_the_name()
    {
        foreach (var name in new[] { "vol1", "pvc-0a1b2c3d", "test-volume" })
            await Backup(CaseTwoVolume(), "snap1", name);
        Assert.True(await Bs.Driver.FileExistsAsync("backupstore/volumes/01/9c/vol1/volume.cfg", default));
        Assert.True(await Bs.Driver.FileExistsAsync("backupstore/volumes/3d/d7/pvc-0a1b2c3d/volume.cfg", default));
        Assert.True(await Bs.Driver.FileExistsAsync("backupstore/volumes/79/08/test-volume/volume.cfg", default));
        Assert.Equal(["01", "3d", "79"], await Bs.Driver.ListAsync("backupstore/volumes", default));
        Assert.Equal(new[] { "vol1", "pvc-0a1b2c3d", "test-volume" }.Order(), await Bs.Store.ListVolumeNamesAsync());
    }

    [ToolFact]
    public async Task Block_objects_are_named_by_id_and_decompress_to_the_block_in_every_method()
    {
        using var codec = new BlockCodec(2 * MiB);
        foreach (var method in new[] { CompressionMethod.None, CompressionMethod.Gzip, CompressionMethod.Lz4 })
        {
            var volume = "vol-" + method.ToString().ToLowerInvariant();
            await Backup(CaseTwoVolume(), "snap1", volume, method);
            var blocks = await Bs.ObjectsAsync(StorePaths.BlocksDirectory(volume));
            Assert.Equal(new[] { StorePaths.Block(volume, BlockA), StorePaths.Block(volume, BlockZero) }.Order(StringComparer.Ordinal), blocks);
            foreach (var id in new[] { BlockA, BlockZero })
            {
                var data = new byte[2 * MiB];
                Assert.Equal(2 * MiB, codec.Decompress(await Bs.ReadBytesAsync(StorePaths.Block(volume, id)), method, data));
                Assert.StartsWith(id, Convert.ToHexStringLower(SHA512.HashData(data)));
            }
        }
    }

    [ToolFact]
    public async Task Volume_cfg_is_encoded_as_go_encodes_it()
    {
        var result = await Backup(CaseTwoVolume(), "snap1");
        var json = await Bs.ReadTextAsync(Vol1 + "volume.cfg");
        Assert.Contains("\"Size\":\"4194304\"", json);
        Assert.Contains("\"BlockCount\":\"2\"", json);
        Assert.Contains("\"CompressionMethod\":\"\\\"lz4\\\"\"", json);
        Assert.Contains("\"DataEngine\":\"\\\"v1\\\"\"", json);
        Assert.Contains($"\"LastBackupName\":\"{result.BackupName}\"", json);
        Assert.Contains($"\"LastBackupAt\":\"{result.Config.SnapshotCreatedAt}\"", json);
        Assert.DoesNotContain("\n", json);
    }

    [ToolFact]
    public async Task Full_backup_cfg_lists_every_block_in_offset_order()
    {
        var result = await Backup(CaseTwoVolume(), "snap1");
        var cfg = BackupConfig.FromJson(await Bs.ReadBytesAsync($"{Vol1}backups/backup_{result.BackupName}.cfg"));
        Assert.True(Timestamps.TryParse(cfg.CreatedTime, out _));
        Assert.False(cfg.IsIncremental);
        Assert.Equal([new BackupBlock(0, BlockA), new BackupBlock(2 * MiB, BlockZero)], cfg.Blocks);
        Assert.Equal("2097152", cfg.Parameters!["backup-block-size"]);
        var sizes = 0L;
        foreach (var id in new[] { BlockA, BlockZero }) sizes += await Bs.Driver.FileSizeAsync(BlockPath(id), default);
        Assert.Equal(sizes, cfg.NewlyUploadedDataSize);
        Assert.Equal(-1, await Bs.Driver.FileSizeAsync(Vol1 + "blocks", default));
        Assert.Contains("\"ProcessingBlocks\":{}", await Bs.ReadTextAsync($"{Vol1}backups/backup_{result.BackupName}.cfg"));
    }

    [ToolFact]
    public async Task Incremental_backup_uploads_only_the_changed_block_and_both_backups_restore()
    {
        var source = CaseTwoVolume();
        var first = await Backup(source, "snap1");
        var firstCfg = await Bs.ReadTextAsync($"{Vol1}backups/backup_{first.BackupName}.cfg");
        source.Fill(2 * MiB, 2 * MiB, (byte)'b');
        source.Snapshot("snap2");
        var second = await Backup(source, "snap2");

        Assert.Equal(new[] { BlockA, BlockB, BlockZero }.Order(StringComparer.Ordinal), await BlockIdsAsync());
        Assert.Equal(1, second.NewBlockCount);
        Assert.True(second.Config.IsIncremental);
        Assert.Equal([new BackupBlock(0, BlockA), new BackupBlock(2 * MiB, BlockB)], second.Config.Blocks);
        var volume = VolumeConfig.FromJson(await Bs.ReadBytesAsync(Vol1 + "volume.cfg"));
        Assert.Equal(3, volume.BlockCount);
        Assert.Equal(second.BackupName, volume.LastBackupName);
        Assert.Equal(firstCfg, await Bs.ReadTextAsync($"{Vol1}backups/backup_{first.BackupName}.cfg"));
        Assert.Equal(source.Image("snap2"), await Bs.RestoreToBytesAsync("vol1", second.BackupName));
        Assert.Equal(source.Image("snap1"), await Bs.RestoreToBytesAsync("vol1", first.BackupName));
    }

    [ToolFact]
    public async Task Identical_blocks_in_one_run_are_uploaded_once()
    {
        var source = new MemorySnapshotSource(8 * MiB);
        source.Fill(0, 8 * MiB, (byte)'a');
        source.Snapshot("s");
        var result = await Backup(source, "s");
        Assert.Equal([BlockA], await BlockIdsAsync());
        Assert.Equal([0L, 2 * MiB, 4 * MiB, 6 * MiB], result.Config.Blocks.Select(b => b.Offset));
        Assert.Equal(1, (await Bs.Store.InspectVolumeAsync("vol1")).BlockCount);
    }

    [ToolFact]
    public async Task Delete_collects_only_unreferenced_blocks_and_recomputes_last_backup()
    {
        var source = CaseTwoVolume();
        var b1 = await Backup(source, "snap1");
        source.Fill(2 * MiB, 2 * MiB, (byte)'b');
        source.Snapshot("snap2");
        var b2 = await Backup(source, "snap2");

        var result = await Bs.Store.DeleteBackupAsync("vol1", b2.BackupName);
        Assert.Null(result.GarbageCollectionSkipped);
        Assert.False(await Bs.Driver.FileExistsAsync($"{Vol1}backups/backup_{b2.BackupName}.cfg", default));
        Assert.Equal(new[] { BlockA, BlockZero }.Order(StringComparer.Ordinal), await BlockIdsAsync());
        var volume = await Bs.Store.InspectVolumeAsync("vol1");
        Assert.Equal(b1.BackupName, volume.LastBackupName);
        Assert.Equal(2, volume.BlockCount);
        Assert.Equal([b1.BackupName], await Bs.Store.ListBackupNamesAsync("vol1"));
        Assert.Equal(source.Image("snap1"), await Bs.RestoreToBytesAsync("vol1", b1.BackupName));
    }

    [ToolFact]
    public async Task An_in_progress_backup_makes_delete_keep_every_block()
    {
        var source = CaseTwoVolume();
        await Backup(source, "snap1");
        source.Fill(2 * MiB, 2 * MiB, (byte)'b');
        source.Snapshot("snap2");
        var b2 = await Backup(source, "snap2");
        await Bs.WriteTextAsync($"{Vol1}backups/backup_backup-x.cfg", """{"Name":"backup-x","VolumeName":"vol1","CreatedTime":""}""");

        var result = await Bs.Store.DeleteBackupAsync("vol1", b2.BackupName);
        Assert.Contains("in progress", result.GarbageCollectionSkipped);
        Assert.False(await Bs.Driver.FileExistsAsync($"{Vol1}backups/backup_{b2.BackupName}.cfg", default));
        Assert.Equal(3, (await BlockIdsAsync()).Count);
    }

    [ToolFact]
    public async Task A_live_deletion_lock_blocks_backup_until_it_expires_and_backup_locks_block_delete()
    {
        var source = CaseTwoVolume();
        var deletion = StorePaths.Lock("vol1", "lock-aaaaaaaaaaaa4aaa");
        await Bs.Driver.WriteAsync(deletion, new LockFile("lock-aaaaaaaaaaaa4aaa", LockType.Deletion, true).ToJson(), default);

        var e = await Assert.ThrowsAsync<BackupStoreLockException>(() => Backup(source, "snap1"));
        Assert.Matches("^failed to acquire lock .* please try again later$", e.Message);
        Assert.Equal(["lock-aaaaaaaaaaaa4aaa.lck"], await Bs.Driver.ListAsync(StorePaths.LocksDirectory("vol1"), default));

        Bs.Time.Advance(TimeSpan.FromSeconds(200)); // the lock file is now older than Longhorn's 150 s
        var result = await Backup(source, "snap1");
        Assert.Equal(["lock-aaaaaaaaaaaa4aaa.lck"], await Bs.Driver.ListAsync(StorePaths.LocksDirectory("vol1"), default));
        await Bs.Driver.RemoveAsync(deletion, default);

        // A fresh clock sees a just-written backup lock as live: backups coexist with it, deletion does not.
        var now = new BackupStore(Bs.Driver, Bs.Options, new ImmediateTimeProvider());
        await Bs.Driver.WriteAsync(StorePaths.Lock("vol1", "lock-bbbbbbbbbbbb4bbb"), new LockFile("lock-bbbbbbbbbbbb4bbb", LockType.BackupOrRestore, true).ToJson(), default);
        source.Fill(0, 4096, 1);
        source.Snapshot("snap2");
        await Backup(source, "snap2", store: now);
        var delete = await Assert.ThrowsAsync<BackupStoreLockException>(() => now.DeleteBackupAsync("vol1", result.BackupName));
        Assert.Contains("when performing backup delete", delete.Message);
        Assert.True(await Bs.Driver.FileExistsAsync($"{Vol1}backups/backup_{result.BackupName}.cfg", default));
    }

    [ToolFact]
    public async Task Locks_of_the_same_type_coexist_an_unreadable_lock_is_ignored_and_release_removes_the_file()
    {
        await Bs.WriteTextAsync(StorePaths.Lock("vol1", "lock-garbage"), "{not json");
        var first = await BackupStoreLock.AcquireAsync(Bs.Driver, "vol1", LockType.BackupOrRestore, new LockOptions(), Bs.Time, NullLogger.Instance, default);
        await using (var second = await BackupStoreLock.AcquireAsync(Bs.Driver, "vol1", LockType.BackupOrRestore, new LockOptions(), Bs.Time, NullLogger.Instance, default))
        {
            Assert.Equal(3, (await Bs.Driver.ListAsync(StorePaths.LocksDirectory("vol1"), default)).Count);
            Assert.Contains("\"Acquired\":true", await Bs.ReadTextAsync(StorePaths.Lock("vol1", second.File.Name)));
        }
        await first.DisposeAsync();
        Assert.Equal(["lock-garbage.lck"], await Bs.Driver.ListAsync(StorePaths.LocksDirectory("vol1"), default));
    }

    [ToolFact]
    public async Task Large_blocks_are_recorded_in_parameters_and_restore()
    {
        var source = new MemorySnapshotSource(32 * MiB);
        var data = new byte[4096];
        new Random(10).NextBytes(data);
        source.Write(5 * MiB, data);
        source.Write(20 * MiB, data);
        source.Snapshot("s");
        var result = await Backup(source, "s", blockSize: 16 * MiB);
        Assert.Equal([0L, 16 * MiB], result.Config.Blocks.Select(b => b.Offset));
        Assert.Equal("16777216", result.Config.Parameters!["backup-block-size"]);
        Assert.Equal(source.Image("s"), await Bs.RestoreToBytesAsync("vol1", result.BackupName));
    }

    [ToolFact]
    public async Task A_go_written_store_with_legacy_gzip_cfgs_restores()
    {
        var block = new byte[2 * MiB];
        Array.Fill(block, (byte)'a');
        using var codec = new BlockCodec(2 * MiB);
        await Bs.Driver.WriteAsync(BlockPath(BlockA), codec.Compress(block, CompressionMethod.Gzip).ToArray(), default);
        await Bs.WriteTextAsync(Vol1 + "volume.cfg",
            """{"Name":"vol1","Size":"4194304","Labels":null,"CreatedTime":"2021-01-01T00:00:00Z","LastBackupName":"backup-old","LastBackupAt":"2021-01-01T00:00:00Z","BlockCount":"1","BackingImageName":"","BackingImageURL":""}""");
        await Bs.WriteTextAsync($"{Vol1}backups/backup_backup-old.cfg",
            $$$"""{"Name":"backup-old","VolumeName":"vol1","SnapshotName":"s","SnapshotCreatedAt":"2021-01-01T00:00:00Z","CreatedTime":"2021-01-01T00:00:01Z","Size":"2097152","Labels":null,"IsIncremental":false,"Blocks":[{"Offset":2097152,"BlockChecksum":"{{{BlockA}}}"}],"SingleFile":{"FilePath":""}}""");
        var image = await Bs.RestoreToBytesAsync("vol1", "backup-old");
        Assert.Equal(new byte[2 * MiB], image[..(2 * MiB)]);
        Assert.Equal(block, image[(2 * MiB)..]);
        Assert.Equal("gzip", (await Bs.Store.InspectBackupAsync("vol1", "backup-old")).CompressionMethod);
    }

    [ToolFact]
    public async Task Blocks_stored_with_the_other_method_are_read_through_the_fallback()
    {
        var source = CaseTwoVolume();
        var result = await Backup(source, "snap1", method: CompressionMethod.Lz4);
        var block = new byte[2 * MiB];
        Array.Fill(block, (byte)'a');
        using var codec = new BlockCodec(2 * MiB);
        await Bs.Driver.WriteAsync(BlockPath(BlockA), codec.Compress(block, CompressionMethod.Gzip).ToArray(), default);
        Assert.Equal(source.Image("snap1"), await Bs.RestoreToBytesAsync("vol1", result.BackupName));
    }

    [ToolFact]
    public async Task A_block_whose_content_does_not_match_its_name_fails_restore_at_once()
    {
        var result = await Backup(CaseTwoVolume(), "snap1", method: CompressionMethod.None);
        var bytes = await Bs.ReadBytesAsync(BlockPath(BlockA));
        bytes[100] ^= 1;
        await Bs.Driver.WriteAsync(BlockPath(BlockA), bytes, default);
        var e = await Assert.ThrowsAsync<BackupStoreCorruptException>(() => Bs.RestoreToBytesAsync("vol1", result.BackupName));
        Assert.Contains("checksum verification failed", e.Message);
        Assert.Contains(BlockA, e.Message);
    }

    [ToolFact]
    public async Task Check_finds_missing_corrupt_and_orphan_blocks_and_prune_removes_only_the_orphan()
    {
        var source = CaseTwoVolume();
        var b1 = await Backup(source, "snap1", method: CompressionMethod.None);
        source.Fill(2 * MiB, 2 * MiB, (byte)'b');
        source.Snapshot("snap2");
        var b2 = await Backup(source, "snap2", method: CompressionMethod.None);
        var clean = await Bs.Store.CheckAsync(new StoreCheckRequest { ReadData = true });
        Assert.True(clean.IsConsistent);
        Assert.Equal((1, 2, 3, 3), (clean.VolumesChecked, clean.BackupsChecked, clean.BlocksChecked, clean.BlocksRead));
        Assert.Empty(clean.OrphanBlocks);

        await Bs.Driver.RemoveAsync($"{Vol1}backups/backup_{b2.BackupName}.cfg", default);
        var bytes = await Bs.ReadBytesAsync(BlockPath(BlockZero));
        bytes[100] ^= 1;
        await Bs.Driver.WriteAsync(BlockPath(BlockZero), bytes, default);
        var pruned = await Bs.Store.CheckAsync(new StoreCheckRequest { ReadData = true, Prune = true });

        Assert.False(pruned.IsConsistent);
        var corrupt = Assert.Single(pruned.CorruptBlocks);
        Assert.Equal(BlockZero, corrupt.Checksum);
        Assert.Equal([b1.BackupName], corrupt.ReferencedBy);
        Assert.StartsWith("checksum verification failed", corrupt.Reason);
        Assert.Equal([new OrphanBlock("vol1", BlockB, BlockPath(BlockB), Removed: true)], pruned.OrphanBlocks);
        Assert.Equal([new PruneOutcome("vol1", 1, null)], pruned.Pruned);
        Assert.Equal(new[] { BlockA, BlockZero }.Order(StringComparer.Ordinal), await BlockIdsAsync());
        Assert.Empty(await Bs.Driver.ListAsync(Vol1 + "locks", default));

        await Bs.Driver.RemoveAsync(BlockPath(BlockA), default);
        var missing = Assert.Single((await Bs.Store.CheckAsync(new StoreCheckRequest { VolumeName = "vol1" })).MissingBlocks);
        Assert.Equal(("vol1", BlockA, BlockPath(BlockA)), (missing.Volume, missing.Checksum, missing.Path));
        Assert.Equal([b1.BackupName], missing.ReferencedBy);
    }

    [ToolFact]
    public async Task Incremental_restore_writes_changed_blocks_and_zero_fills_dropped_ones()
    {
        var source = new MemorySnapshotSource(32 * MiB);
        source.Fill(0, 16 * MiB, 1);
        source.Fill(16 * MiB, 4096, 2);
        source.Snapshot("s1");
        var last = await Backup(source, "s1", blockSize: 16 * MiB);
        source.Fill(0, 4096, 3);
        source.Snapshot("s2");
        var next = await Backup(source, "s2", blockSize: 16 * MiB);

        // Synthesize the spec's case: the newer backup no longer lists the block at 16 MiB.
        var path = StorePaths.BackupConfig("vol1", next.BackupName);
        var cfg = BackupConfig.FromJson(await Bs.ReadBytesAsync(path));
        await Bs.Driver.WriteAsync(path, (cfg with { Blocks = cfg.Blocks.Where(b => b.Offset == 0).ToList() }).ToJson(), default);

        var target = new RecordingTarget();
        await Bs.Store.RestoreIncrementallyAsync("vol1", next.BackupName, last.BackupName, target);
        Assert.Equal(32 * MiB, target.Size);
        var write = Assert.Single(target.Writes);
        Assert.Equal(0, write.Offset);
        Assert.Equal(source.Image("s2")[..(16 * MiB)], write.Data);
        Assert.Equal([(16L * MiB, 16L * MiB)], target.Zeros);
    }

    [ToolFact]
    public async Task Listing_and_inspection_report_volumes_backups_and_times()
    {
        var source = CaseTwoVolume();
        var b1 = await Backup(source, "snap1");
        source.Fill(0, 4096, 9);
        source.Snapshot("snap2");
        var b2 = await Backup(source, "snap2");
        await Backup(CaseTwoVolume(), "snap1", "vol2");

        Assert.Equal(["vol1", "vol2"], await Bs.Store.ListVolumeNamesAsync());
        Assert.Equal(new[] { b1.BackupName, b2.BackupName }.Order(StringComparer.Ordinal), (await Bs.Store.ListBackupNamesAsync("vol1")).Order(StringComparer.Ordinal));
        var listing = Assert.Single(await Bs.Store.ListAsync("vol1"));
        Assert.Equal(2, listing.BackupNames.Count);
        Assert.Null(listing.Error);
        var info = await Bs.Store.InspectBackupAsync("vol1", b2.BackupName);
        Assert.Equal("snap2", info.SnapshotName);
        Assert.Equal(Bs.Store.BackupUrlFor("vol1", b2.BackupName), info.Url);
        var modified = await Bs.Store.GetModificationTimeAsync("vol1", b1.BackupName);
        Assert.InRange(modified, DateTimeOffset.UtcNow.AddMinutes(-5), DateTimeOffset.UtcNow.AddMinutes(1));
    }

    [ToolFact]
    public async Task Deleting_a_volume_removes_all_its_objects_and_nothing_else()
    {
        await Backup(CaseTwoVolume(), "snap1");
        await Backup(CaseTwoVolume(), "snap1", "vol2");
        Assert.True(await Bs.Store.DeleteVolumeAsync("vol1"));
        Assert.Empty(await Bs.ObjectsAsync(Vol1.TrimEnd('/')));
        Assert.Equal(["vol2"], await Bs.Store.ListVolumeNamesAsync());
        Assert.False(await Bs.Store.DeleteVolumeAsync("vol1"));
        Assert.NotEmpty(await Bs.ObjectsAsync(StorePaths.Volume("vol2").TrimEnd('/')));
    }

    [ToolFact]
    public async Task Driver_verbs_behave_as_longhorns_drivers_do()
    {
        var driver = Bs.Driver;
        Assert.False(await driver.FileExistsAsync("backupstore/x/a.cfg", default));
        Assert.Equal(-1, await driver.FileSizeAsync("backupstore/x/a.cfg", default));
        Assert.Null(await driver.FileTimeAsync("backupstore/x/a.cfg", default));
        Assert.Empty(await driver.ListAsync("backupstore/x", default));
        await Assert.ThrowsAsync<BackupStoreNotFoundException>(async () => await driver.ReadAsync("backupstore/x/a.cfg", default));

        await driver.WriteAsync("backupstore/x/a.cfg", "one"u8.ToArray(), default);
        await driver.WriteAsync("backupstore/x/a.cfg", "three"u8.ToArray(), default);
        await driver.WriteAsync("backupstore/x/sub/b.blk", new byte[10], default);
        await driver.WriteAsync("backupstore/x1/c.cfg", new byte[1], default);
        Assert.True(await driver.FileExistsAsync("backupstore/x/a.cfg", default));
        Assert.False(await driver.FileExistsAsync("backupstore/x/sub", default));
        Assert.Equal(5, await driver.FileSizeAsync("backupstore/x/a.cfg", default));
        Assert.InRange((await driver.FileTimeAsync("backupstore/x/a.cfg", default))!.Value, DateTimeOffset.UtcNow.AddMinutes(-5), DateTimeOffset.UtcNow.AddMinutes(1));
        Assert.Equal("three", await Bs.ReadTextAsync("backupstore/x/a.cfg"));
        Assert.Equal(["a.cfg", "sub"], await driver.ListAsync("backupstore/x", default));
        Assert.Equal(["a.cfg", "sub"], await driver.ListAsync("backupstore/x/", default));

        var local = Bs.Scratch("upload.bin");
        var payload = new byte[6 * MiB + 123];
        new Random(3).NextBytes(payload);
        await File.WriteAllBytesAsync(local, payload);
        await driver.UploadAsync(local, "backupstore/x/big.bin", default);
        Assert.Equal(payload.Length, await driver.FileSizeAsync("backupstore/x/big.bin", default));
        await driver.DownloadAsync("backupstore/x/big.bin", Bs.Scratch("download.bin"), default);
        Assert.Equal(payload, await File.ReadAllBytesAsync(Bs.Scratch("download.bin")));

        await driver.RemoveAsync("backupstore/x", default);
        await driver.RemoveAsync("backupstore/x", default); // "rm -rf": gone is fine
        Assert.Empty(await driver.ListAsync("backupstore/x", default));
        Assert.True(await driver.FileExistsAsync("backupstore/x1/c.cfg", default), "removing x must not touch x1");
    }
}
