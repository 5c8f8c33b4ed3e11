using Longhorn.Engine.Backups;
using Longhorn.Engine.Format;
using Longhorn.Engine.Tests.Support;

namespace Longhorn.Engine.Tests;

/// <summary>Bad input gets an error naming the object, and nothing else in the store changes.</summary>
public sealed class BadInputTests : IDisposable
{
    private const int MiB = 1024 * 1024;
    private readonly TestStore _bs = new();
    private readonly MemorySnapshotSource _source = new(8 * MiB);
    private readonly string _backup;

    public BadInputTests()
    {
        _source.Fill(0, 4 * MiB, 7);
        _source.Snapshot("s1");
        _backup = _bs.Store.CreateBackupAsync(new BackupRequest { VolumeName = "vol1", SnapshotName = "s1" }, _source)
            .GetAwaiter().GetResult().BackupName;
    }

    public void Dispose() => _bs.Dispose();

    private async Task<TException> AssertRejectedAndUnchanged<TException>(Func<Task> action, params string[] messageParts)
        where TException : Exception
    {
        var before = _bs.Contents();
        var e = await Assert.ThrowsAsync<TException>(action);
        foreach (var part in messageParts) Assert.Contains(part, e.Message);
        Assert.Equal(before, _bs.Contents());
        return e;
    }

    [Theory]
    [InlineData("../x")]
    [InlineData("")]
    [InlineData("v")]
    [InlineData("bad name")]
    [InlineData("x12345678901234567890123456789012345678901234567890123456789012345")]
    public async Task Invalid_volume_names_are_rejected_before_anything_is_written(string name)
    {
        await AssertRejectedAndUnchanged<BackupStoreArgumentException>(
            () => _bs.Store.CreateBackupAsync(new BackupRequest { VolumeName = name, SnapshotName = "s1" }, _source), "invalid volume name");
        await AssertRejectedAndUnchanged<BackupStoreArgumentException>(
            () => _bs.Store.DeleteBackupAsync(name, _backup), "invalid volume name");
        await AssertRejectedAndUnchanged<BackupStoreArgumentException>(
            () => _bs.Store.RestoreAsync(name, _backup, new Restores.FileRestoreTarget(_bs.Scratch("x.img"))), "invalid volume name");
    }

    [Theory]
    [InlineData("../backup")]
    [InlineData("b")]
    [InlineData("backup/x")]
    [InlineData("backup-x12345678901234567890123456789012345678901234567890123456789")]
    public async Task Invalid_backup_names_are_rejected_before_anything_is_written(string name)
    {
        await AssertRejectedAndUnchanged<BackupStoreArgumentException>(
            () => _bs.Store.CreateBackupAsync(new BackupRequest { VolumeName = "vol1", SnapshotName = "s1", BackupName = name }, _source),
            "invalid backup name");
        await AssertRejectedAndUnchanged<BackupStoreArgumentException>(() => _bs.Store.DeleteBackupAsync("vol1", name), "invalid backup name");
    }

    [Fact]
    public async Task A_block_size_that_does_not_divide_the_volume_is_rejected()
    {
        var odd = new MemorySnapshotSource(5 * MiB);
        odd.Snapshot("s");
        await AssertRejectedAndUnchanged<BackupStoreArgumentException>(
            () => _bs.Store.CreateBackupAsync(new BackupRequest { VolumeName = "odd", SnapshotName = "s" }, odd),
            "odd", "not a multiple of the backup block size 2097152");
        await AssertRejectedAndUnchanged<BackupStoreArgumentException>(
            () => _bs.Store.CreateBackupAsync(new BackupRequest { VolumeName = "vol1", SnapshotName = "s1", BlockSize = 4 * MiB }, _source),
            "invalid backup block size 4194304");
    }

    [Fact]
    public async Task A_truncated_backup_cfg_fails_restore_naming_the_cfg()
    {
        var path = _bs.Local(StorePaths.BackupConfig("vol1", _backup));
        var text = File.ReadAllText(path);
        File.WriteAllText(path, text[..(text.Length / 2)]);
        await AssertRejectedAndUnchanged<BackupStoreCorruptException>(
            () => _bs.RestoreToBytesAsync("vol1", _backup), $"backup_{_backup}.cfg", "malformed JSON");
    }

    [Fact]
    public async Task A_malformed_volume_cfg_fails_backup_naming_volume_cfg()
    {
        File.WriteAllText(_bs.Local(StorePaths.VolumeConfig("vol1")), """{"Name":"vol1","Size":12}""".Replace("12", "true"));
        _source.Fill(4 * MiB, 4096, 1);
        _source.Snapshot("s2");
        await AssertRejectedAndUnchanged<BackupStoreCorruptException>(
            () => _bs.Store.CreateBackupAsync(new BackupRequest { VolumeName = "vol1", SnapshotName = "s2" }, _source),
            "volume.cfg", "field Size");
    }

    [Fact]
    public async Task A_cfg_with_an_unknown_compression_or_misaligned_block_is_rejected_on_restore()
    {
        var path = _bs.Local(StorePaths.BackupConfig("vol1", _backup));
        var original = File.ReadAllText(path);
        File.WriteAllText(path, original.Replace("\"CompressionMethod\":\"lz4\"", "\"CompressionMethod\":\"zstd\""));
        await AssertRejectedAndUnchanged<BackupStoreCorruptException>(() => _bs.RestoreToBytesAsync("vol1", _backup), "unknown compression method zstd");
        File.WriteAllText(path, original.Replace("\"Offset\":2097152", "\"Offset\":2097153"));
        await AssertRejectedAndUnchanged<BackupStoreCorruptException>(() => _bs.RestoreToBytesAsync("vol1", _backup), "not aligned");
        File.WriteAllText(path, original.Replace("\"BlockChecksum\":\"", "\"BlockChecksum\":\"zz"));
        await AssertRejectedAndUnchanged<BackupStoreCorruptException>(() => _bs.RestoreToBytesAsync("vol1", _backup), "invalid block checksum");
    }

    [Fact]
    public async Task A_missing_block_fails_restore_after_the_retries_naming_the_block()
    {
        var cfg = BackupConfig.FromJson(File.ReadAllBytes(_bs.Local(StorePaths.BackupConfig("vol1", _backup))));
        var id = cfg.Blocks[0].BlockChecksum;
        File.Delete(_bs.Local(StorePaths.Block("vol1", id)));
        var start = _bs.Time.GetUtcNow();
        await AssertRejectedAndUnchanged<BackupStoreNotFoundException>(() => _bs.RestoreToBytesAsync("vol1", _backup), id);
        // Each worker reading the missing block waits 1 s + 5 s before it gives up; both offsets of this volume hold that
        // block. The immediate clock adds every wait to one shared time, and the first worker's failure may cancel the
        // other after its 1 s wait (7 s in all): the retries of one reader at least, of every reader at most.
        var readers = cfg.Blocks.Count(b => b.BlockChecksum == id);
        Assert.InRange(_bs.Time.GetUtcNow() - start - TimeSpan.FromSeconds(2), TimeSpan.FromSeconds(6), TimeSpan.FromSeconds(6 * readers));
    }

    [Fact]
    public async Task Unknown_volumes_and_backups_are_not_found_and_change_nothing()
    {
        await AssertRejectedAndUnchanged<BackupStoreNotFoundException>(() => _bs.Store.DeleteBackupAsync("nosuch", "backup-1"), "nosuch");
        await AssertRejectedAndUnchanged<BackupStoreNotFoundException>(() => _bs.Store.DeleteBackupAsync("vol1", "backup-nosuch"), "backup-nosuch");
        await AssertRejectedAndUnchanged<BackupStoreNotFoundException>(() => _bs.RestoreToBytesAsync("vol1", "backup-nosuch"), "backup-nosuch");
        await AssertRejectedAndUnchanged<BackupStoreNotFoundException>(() => _bs.Store.InspectVolumeAsync("nosuch"), "nosuch");
        Assert.False(await _bs.Store.DeleteVolumeAsync("nosuch"));
    }

    [Theory]
    [InlineData("", "empty")]
    [InlineData("/relative/path", "not an absolute URL")]
    [InlineData("ftp://host/x", "unsupported scheme ftp")]
    [InlineData("vfs://host/x", "expected vfs:///")]
    [InlineData("nfs://10.0.0.1", "expected nfs://")]
    [InlineData("nfs://10.0.0.1:/a/../../etc", "may not contain '..'")]
    public void Malformed_target_urls_are_rejected_naming_the_target(string url, string expected)
    {
        var e = Assert.Throws<BackupStoreArgumentException>(() => new Store.BackupStoreDrivers().Create(url));
        Assert.Contains(expected, e.Message);
    }

    [Fact]
    public void Nfs_and_cifs_targets_map_under_the_mount_root_as_longhorn_mounts_them()
    {
        var drivers = new Store.BackupStoreDrivers(new Store.BackupStoreDriverOptions { MountRoot = "/mnt/root" });
        var nfs = (Store.FileSystemDriver)drivers.Create("nfs://10.0.0.1:/export/lh?nfsOptions=soft");
        Assert.Equal("/mnt/root/10_0_0_1/export/lh", nfs.RootDirectory);
        var cifs = (Store.FileSystemDriver)drivers.Create("cifs://server.local/share/dir");
        Assert.Equal("/mnt/root/server_local/share/dir", cifs.RootDirectory);
    }
}
