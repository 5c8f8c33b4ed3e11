using System.Security.Cryptography;
using System.Text;
using Longhorn.Engine.Backups;
using Longhorn.Engine.Blocks;
using Longhorn.Engine.Format;
using Longhorn.Engine.Tests.Support;

namespace Longhorn.Engine.Tests;

/// <summary>The conformance cases of spec/backupstore-format.md §10, on a vfs:// store.</summary>
public sealed class ConformanceTests : IDisposable
{
    private const int MiB = 1024 * 1024;
    private const string BlockA = "0e40a436f8fb0e52220bfc58105122a14bb42e90ddc03e6366334c6d9e8ed50f";
    private const string BlockB = "07845f9f6994e96c314a48a6c67740a65d91826a9bd39d869412fcc84117bab4";
    private const string BlockZero = "731859029215873fdac1c9f2f8bd25a334abf0f3a9e1b057cf2cacc2826d86b0";
    private const string Vol1 = "backupstore/volumes/01/9c/vol1/";

    private readonly TestStore _bs = new();

    public void Dispose() => _bs.Dispose();

    private static MemorySnapshotSource CaseTwoVolume()
    {
        var source = new MemorySnapshotSource(4 * MiB);
        source.Fill(0, 2 * MiB, (byte)'a');
        source.Fill(2 * MiB, 2 * MiB, 0);
        source.Snapshot("snap1");
        return source;
    }

    private Task<BackupResult> Backup(MemorySnapshotSource source, string snapshot, string volume = "vol1",
        CompressionMethod method = CompressionMethod.Lz4, long blockSize = 2 * MiB) =>
        _bs.Store.CreateBackupAsync(new BackupRequest
        {
            VolumeName = volume, SnapshotName = snapshot, Compression = method, BlockSize = blockSize,
            Labels = new Dictionary<string, string> { ["KubernetesStatus"] = "{}" },
        }, source);

    private string Text(string storePath) => File.ReadAllText(_bs.Local(storePath));

    [Fact]
    public async Task Case1_volume_directories_are_hashed_from_the_name()
    {
        foreach (var name in new[] { "vol1", "pvc-0a1b2c3d", "test-volume" })
            await Backup(CaseTwoVolume(), "snap1", name);
        Assert.True(File.Exists(_bs.Local("backupstore/volumes/01/9c/vol1/volume.cfg")));
        Assert.True(File.Exists(_bs.Local("backupstore/volumes/3d/d7/pvc-0a1b2c3d/volume.cfg")));
        Assert.True(File.Exists(_bs.Local("backupstore/volumes/79/08/test-volume/volume.cfg")));
        Assert.Equal(new[] { "01", "3d", "79" }, Directory.GetDirectories(_bs.Local("backupstore/volumes")).Select(Path.GetFileName).Order());
        Assert.Equal(new[] { "vol1", "pvc-0a1b2c3d", "test-volume" }.Order(), await _bs.Store.ListVolumeNamesAsync());
    }

    [Theory]
    [InlineData(CompressionMethod.None)]
    [InlineData(CompressionMethod.Gzip)]
    [InlineData(CompressionMethod.Lz4)]
    public async Task Case2_block_objects_are_named_by_id_and_decompress_to_the_block(CompressionMethod method)
    {
        await Backup(CaseTwoVolume(), "snap1", method: method);
        using var codec = new BlockCodec(2 * MiB);
        foreach (var id in new[] { BlockA, BlockZero })
        {
            var path = _bs.Local($"{Vol1}blocks/{id[..2]}/{id[2..4]}/{id}.blk");
            var data = new byte[2 * MiB];
            Assert.Equal(2 * MiB, codec.Decompress(File.ReadAllBytes(path), method, data));
            Assert.StartsWith(id, Convert.ToHexStringLower(SHA512.HashData(data)));
        }
        Assert.Equal(2, Directory.GetFiles(_bs.Local(Vol1 + "blocks"), "*.blk", SearchOption.AllDirectories).Length);
    }

    [Fact]
    public async Task Case3_volume_cfg_is_encoded_as_go_encodes_it()
    {
        var result = await Backup(CaseTwoVolume(), "snap1");
        var json = Text(Vol1 + "volume.cfg");
        Assert.Contains("\"Size\":\"4194304\"", json);
        Assert.Contains("\"BlockCount\":\"2\"", json);
        Assert.Contains("\"CompressionMethod\":\"\\\"lz4\\\"\"", json);
        Assert.Contains("\"DataEngine\":\"\\\"v1\\\"\"", json);
        Assert.Contains($"\"LastBackupName\":\"{result.BackupName}\"", json);
        Assert.Contains($"\"LastBackupAt\":\"{result.Config.SnapshotCreatedAt}\"", json);
        Assert.DoesNotContain("\n", json);
    }

    [Fact]
    public async Task Case4_full_backup_cfg_lists_every_block_in_offset_order()
    {
        var result = await Backup(CaseTwoVolume(), "snap1");
        Assert.Matches("^backup-[0-9a-f]{12}4[0-9a-f]{3}$", result.BackupName);
        var cfg = BackupConfig.FromJson(File.ReadAllBytes(_bs.Local($"{Vol1}backups/backup_{result.BackupName}.cfg")));
        Assert.True(Timestamps.TryParse(cfg.CreatedTime, out _));
        Assert.False(cfg.IsIncremental);
        Assert.Equal(4194304, cfg.Size);
        Assert.Equal([new BackupBlock(0, BlockA), new BackupBlock(2 * MiB, BlockZero)], cfg.Blocks);
        Assert.Equal("lz4", cfg.CompressionMethod);
        Assert.Equal("2097152", cfg.Parameters!["backup-block-size"]);
        var sizes = new[] { BlockA, BlockZero }.Sum(id => new FileInfo(_bs.Local($"{Vol1}blocks/{id[..2]}/{id[2..4]}/{id}.blk")).Length);
        Assert.Equal(sizes, cfg.NewlyUploadedDataSize);
        Assert.True(cfg.HasProcessingBlocks);
        Assert.Contains("\"ProcessingBlocks\":{}", Text($"{Vol1}backups/backup_{result.BackupName}.cfg"));
    }

    [Fact]
    public async Task Case5_incremental_backup_uploads_only_the_changed_block_and_merges_the_map()
    {
        var source = CaseTwoVolume();
        var first = await Backup(source, "snap1");
        var firstCfg = Text($"{Vol1}backups/backup_{first.BackupName}.cfg");
        source.Fill(2 * MiB, 2 * MiB, (byte)'b');
        source.Snapshot("snap2");
        var second = await Backup(source, "snap2");

        var blocks = Directory.GetFiles(_bs.Local(Vol1 + "blocks"), "*.blk", SearchOption.AllDirectories).Select(Path.GetFileNameWithoutExtension).Order();
        Assert.Equal(new[] { BlockA, BlockB, BlockZero }.Order(), blocks);
        Assert.True(File.Exists(_bs.Local($"{Vol1}blocks/07/84/{BlockB}.blk")));
        var cfg = second.Config;
        Assert.True(cfg.IsIncremental);
        Assert.Equal([new BackupBlock(0, BlockA), new BackupBlock(2 * MiB, BlockB)], cfg.Blocks);
        Assert.Equal(4194304, cfg.Size);
        Assert.Contains("\"ProcessingBlocks\":null", Text($"{Vol1}backups/backup_{second.BackupName}.cfg"));
        var volume = VolumeConfig.FromJson(File.ReadAllBytes(_bs.Local(Vol1 + "volume.cfg")));
        Assert.Equal(3, volume.BlockCount);
        Assert.Equal(second.BackupName, volume.LastBackupName);
        Assert.Equal(firstCfg, Text($"{Vol1}backups/backup_{first.BackupName}.cfg"));
        Assert.Equal(source.Image("snap2"), await _bs.RestoreToBytesAsync("vol1", second.BackupName));
        Assert.Equal(source.Image("snap1"), await _bs.RestoreToBytesAsync("vol1", first.BackupName));
    }

    [Fact]
    public async Task Case6_identical_blocks_in_one_run_are_uploaded_once()
    {
        var source = new MemorySnapshotSource(8 * MiB);
        source.Fill(0, 8 * MiB, (byte)'a');
        source.Snapshot("s");
        var result = await Backup(source, "s");
        Assert.Single(Directory.GetFiles(_bs.Local(Vol1 + "blocks"), "*.blk", SearchOption.AllDirectories));
        Assert.Equal([0L, 2 * MiB, 4 * MiB, 6 * MiB], result.Config.Blocks.Select(b => b.Offset));
        Assert.All(result.Config.Blocks, b => Assert.Equal(BlockA, b.BlockChecksum));
        Assert.Equal(1, (await _bs.Store.InspectVolumeAsync("vol1")).BlockCount);
    }

    [Fact]
    public async Task Case7_delete_collects_only_unreferenced_blocks_and_recomputes_last_backup()
    {
        var source = CaseTwoVolume();
        var b1 = await Backup(source, "snap1");
        source.Fill(2 * MiB, 2 * MiB, (byte)'b');
        source.Snapshot("snap2");
        var b2 = await Backup(source, "snap2");

        var result = await _bs.Store.DeleteBackupAsync("vol1", b2.BackupName);
        Assert.Null(result.GarbageCollectionSkipped);
        Assert.False(File.Exists(_bs.Local($"{Vol1}backups/backup_{b2.BackupName}.cfg")));
        Assert.False(File.Exists(_bs.Local($"{Vol1}blocks/07/84/{BlockB}.blk")));
        Assert.True(File.Exists(_bs.Local($"{Vol1}blocks/0e/40/{BlockA}.blk")));
        Assert.True(File.Exists(_bs.Local($"{Vol1}blocks/73/18/{BlockZero}.blk")));
        var volume = await _bs.Store.InspectVolumeAsync("vol1");
        Assert.Equal(b1.BackupName, volume.LastBackupName);
        Assert.Equal(b1.Config.SnapshotCreatedAt, volume.LastBackupAt);
        Assert.Equal(2, volume.BlockCount);
        Assert.Equal(source.Image("snap1"), await _bs.RestoreToBytesAsync("vol1", b1.BackupName));
    }

    [Fact]
    public async Task Case7_an_in_progress_backup_makes_delete_keep_every_block()
    {
        var source = CaseTwoVolume();
        await Backup(source, "snap1");
        source.Fill(2 * MiB, 2 * MiB, (byte)'b');
        source.Snapshot("snap2");
        var b2 = await Backup(source, "snap2");
        File.WriteAllText(_bs.Local($"{Vol1}backups/backup_backup-x.cfg"), """{"Name":"backup-x","VolumeName":"vol1","CreatedTime":""}""");

        var result = await _bs.Store.DeleteBackupAsync("vol1", b2.BackupName);
        Assert.Contains("in progress", result.GarbageCollectionSkipped);
        Assert.False(File.Exists(_bs.Local($"{Vol1}backups/backup_{b2.BackupName}.cfg")));
        Assert.True(File.Exists(_bs.Local($"{Vol1}blocks/07/84/{BlockB}.blk")));
        Assert.Equal(3, Directory.GetFiles(_bs.Local(Vol1 + "blocks"), "*.blk", SearchOption.AllDirectories).Length);
    }

    [Fact]
    public async Task Case8_a_live_deletion_lock_blocks_backup_until_it_expires()
    {
        var source = CaseTwoVolume();
        var lockPath = _bs.Local($"{Vol1}locks/lock-aaaaaaaaaaaa4aaa.lck");
        Directory.CreateDirectory(Path.GetDirectoryName(lockPath)!);
        File.WriteAllText(lockPath, """{"Name":"lock-aaaaaaaaaaaa4aaa","Type":2,"Acquired":true}""");
        File.SetLastWriteTimeUtc(lockPath, _bs.Time.GetUtcNow().UtcDateTime);

        var e = await Assert.ThrowsAsync<BackupStoreLockException>(() => Backup(source, "snap1"));
        Assert.Matches("^failed to acquire lock .* please try again later$", e.Message);
        Assert.Equal(["lock-aaaaaaaaaaaa4aaa.lck"], Directory.GetFiles(Path.GetDirectoryName(lockPath)!).Select(Path.GetFileName));

        File.SetLastWriteTimeUtc(lockPath, _bs.Time.GetUtcNow().UtcDateTime.AddSeconds(-200));
        var result = await Backup(source, "snap1");
        Assert.Equal(["lock-aaaaaaaaaaaa4aaa.lck"], Directory.GetFiles(Path.GetDirectoryName(lockPath)!).Select(Path.GetFileName));

        File.WriteAllText(lockPath, """{"Name":"lock-aaaaaaaaaaaa4aaa","Type":1,"Acquired":true}""");
        File.SetLastWriteTimeUtc(lockPath, _bs.Time.GetUtcNow().UtcDateTime);
        source.Fill(0, 4096, 1);
        source.Snapshot("snap2");
        await Backup(source, "snap2");
        Assert.Equal(source.Image("snap1"), await _bs.RestoreToBytesAsync("vol1", result.BackupName));
        var delete = await Assert.ThrowsAsync<BackupStoreLockException>(() => _bs.Store.DeleteBackupAsync("vol1", result.BackupName));
        Assert.Contains("when performing backup delete", delete.Message);
        Assert.True(File.Exists(_bs.Local($"{Vol1}backups/backup_{result.BackupName}.cfg")));
    }

    [Fact]
    public async Task Case10_large_blocks_are_recorded_in_parameters_and_restore()
    {
        var source = new MemorySnapshotSource(32 * MiB);
        var random = new Random(10);
        var data = new byte[4096];
        random.NextBytes(data);
        source.Write(5 * MiB, data);
        source.Write(20 * MiB, data);
        source.Snapshot("s");
        var result = await Backup(source, "s", blockSize: 16 * MiB);
        Assert.Equal([0L, 16 * MiB], result.Config.Blocks.Select(b => b.Offset));
        Assert.Equal("16777216", result.Config.Parameters!["backup-block-size"]);
        using var codec = new BlockCodec(16 * MiB);
        foreach (var block in result.Config.Blocks)
        {
            var id = block.BlockChecksum;
            var bytes = new byte[16 * MiB];
            Assert.Equal(16 * MiB, codec.Decompress(File.ReadAllBytes(_bs.Local($"{Vol1}blocks/{id[..2]}/{id[2..4]}/{id}.blk")), CompressionMethod.Lz4, bytes));
        }
        Assert.Equal(source.Image("s"), await _bs.RestoreToBytesAsync("vol1", result.BackupName));
    }

    [Fact]
    public async Task Go_written_style_store_with_legacy_gzip_cfgs_restores()
    {
        // A Longhorn 1.3-era volume: no CompressionMethod anywhere, so blocks are gzip.
        var block = new byte[2 * MiB];
        Array.Fill(block, (byte)'a');
        using var codec = new BlockCodec(2 * MiB);
        Directory.CreateDirectory(_bs.Local($"{Vol1}blocks/0e/40"));
        Directory.CreateDirectory(_bs.Local($"{Vol1}backups"));
        File.WriteAllBytes(_bs.Local($"{Vol1}blocks/0e/40/{BlockA}.blk"), codec.Compress(block, CompressionMethod.Gzip).ToArray());
        File.WriteAllText(_bs.Local($"{Vol1}volume.cfg"),
            """{"Name":"vol1","Size":"4194304","Labels":null,"CreatedTime":"2021-01-01T00:00:00Z","LastBackupName":"backup-old","LastBackupAt":"2021-01-01T00:00:00Z","BlockCount":"1","BackingImageName":"","BackingImageURL":""}""");
        File.WriteAllText(_bs.Local($"{Vol1}backups/backup_backup-old.cfg"),
            $$$"""{"Name":"backup-old","VolumeName":"vol1","SnapshotName":"s","SnapshotCreatedAt":"2021-01-01T00:00:00Z","CreatedTime":"2021-01-01T00:00:01Z","Size":"2097152","Labels":null,"IsIncremental":false,"Blocks":[{"Offset":2097152,"BlockChecksum":"{{{BlockA}}}"}],"SingleFile":{"FilePath":""}}""");
        var image = await _bs.RestoreToBytesAsync("vol1", "backup-old");
        Assert.Equal(new byte[2 * MiB], image[..(2 * MiB)]);
        Assert.Equal(block, image[(2 * MiB)..]);
        var info = await _bs.Store.InspectBackupAsync("vol1", "backup-old");
        Assert.Equal("gzip", info.CompressionMethod);
    }

    [Fact]
    public async Task Blocks_stored_with_the_other_method_are_read_through_the_fallback()
    {
        var source = CaseTwoVolume();
        var result = await Backup(source, "snap1", method: CompressionMethod.Lz4);
        var path = _bs.Local($"{Vol1}blocks/0e/40/{BlockA}.blk");
        var block = new byte[2 * MiB];
        Array.Fill(block, (byte)'a');
        using var codec = new BlockCodec(2 * MiB);
        File.WriteAllBytes(path, codec.Compress(block, CompressionMethod.Gzip).ToArray());
        Assert.Equal(source.Image("snap1"), await _bs.RestoreToBytesAsync("vol1", result.BackupName));
    }

    [Fact]
    public async Task A_block_whose_content_does_not_match_its_name_fails_restore_at_once()
    {
        var source = CaseTwoVolume();
        var result = await Backup(source, "snap1", method: CompressionMethod.None);
        var path = _bs.Local($"{Vol1}blocks/0e/40/{BlockA}.blk");
        var bytes = File.ReadAllBytes(path);
        bytes[100] ^= 1;
        File.WriteAllBytes(path, bytes);
        var e = await Assert.ThrowsAsync<BackupStoreCorruptException>(() => _bs.RestoreToBytesAsync("vol1", result.BackupName));
        Assert.Contains("checksum verification failed", e.Message);
        Assert.Contains(BlockA, e.Message);
    }
}
