using Longhorn.Engine.Backups;
using Longhorn.Engine.Blocks;
using Longhorn.Engine.Format;
using Longhorn.Engine.Inventory;
using Longhorn.Engine.Tests.Support;

namespace Longhorn.Engine.Tests.Inventory;

/// <summary>
/// Cfgs written by hand, as Longhorn's QA writes them, name backups by their file and volumes by their folder
/// (list.go never reads a cfg for a name): inspect, listing, GC and backups all follow the store's paths.
/// </summary>
public sealed class HandWrittenCfgTests : IDisposable
{
    private const int MiB = 1024 * 1024;

    /// <summary>Longhorn QA's legacy-block-size cfg: no Name, VolumeName, SnapshotName, Blocks or block size.</summary>
    private const string QaCfg =
        """{"Size":"0","CreatedTime":"2024-05-01T00:00:00Z","Labels":{},"Parameters":{"backup-mode":"incremental"},"IsIncremental":false,"CompressionMethod":"none","NewlyUploadedDataSize":"0","ReUploadedDataSize":"0","ProcessingBlocks":null,"SingleFile":{"FilePath":""}}""";

    private readonly TestStore _bs = new();

    public void Dispose() => _bs.Dispose();

    private async Task<(MemorySnapshotSource Source, BackupResult First, BackupResult Second)> TwoBackupsAsync(string volume = "vol")
    {
        var source = new MemorySnapshotSource(8 * MiB);
        source.Fill(0, 2 * MiB, (byte)'a');
        source.Snapshot("snap1");
        var first = await BackupAsync(source, volume, "snap1");
        source.Fill(4 * MiB, 2 * MiB, (byte)'b');
        source.Snapshot("snap2");
        var second = await BackupAsync(source, volume, "snap2");
        return (source, first, second);
    }

    private Task<BackupResult> BackupAsync(MemorySnapshotSource source, string volume, string snapshot) =>
        _bs.Store.CreateBackupAsync(new BackupRequest { VolumeName = volume, SnapshotName = snapshot, Compression = CompressionMethod.None }, source);

    [Fact]
    public async Task A_cfg_without_names_is_the_backup_its_file_names_in_the_volume_its_folder_names()
    {
        var (_, first, second) = await TwoBackupsAsync();
        await _bs.WriteTextAsync(StorePaths.BackupConfig("vol", "backup-test2"), QaCfg);

        var listing = Assert.Single(await _bs.Store.ListAsync());
        Assert.Equal("vol", listing.Name);
        Assert.Null(listing.Error);
        Assert.Equal(new[] { first.BackupName, second.BackupName, "backup-test2" }.Order(StringComparer.Ordinal),
            listing.BackupNames.Order(StringComparer.Ordinal));

        var info = await _bs.Store.InspectBackupAsync("vol", "backup-test2");
        Assert.Equal("backup-test2", info.Name);
        Assert.Equal("vol", info.VolumeName);
        Assert.Equal(_bs.Store.BackupUrlFor("vol", "backup-test2"), info.Url);
        Assert.EndsWith("?backup=backup-test2&volume=vol", info.Url);
        Assert.Equal(BlockSizes.Default, info.BlockSize);
        Assert.Equal(8 * MiB, info.VolumeSize);
        var warning = info.Messages[BackupInfo.WarningMessage];
        Assert.Contains("backup_backup-test2.cfg has no Name and has no VolumeName", warning);
        Assert.Contains("it is backup backup-test2 of volume vol", warning);

        // A backup the store wrote itself carries no message.
        Assert.Empty((await _bs.Store.InspectBackupAsync("vol", second.BackupName)).Messages);
    }

    [Fact]
    public async Task A_cfg_whose_names_disagree_with_its_file_and_folder_is_named_as_the_file_says()
    {
        var (_, _, second) = await TwoBackupsAsync();
        var copied = BackupConfig.FromJson(await _bs.ReadBytesAsync(StorePaths.BackupConfig("vol", second.BackupName)))
            with { Name = "backup-elsewhere", VolumeName = "other" };
        await _bs.Driver.WriteAsync(StorePaths.BackupConfig("vol", "backup-test3"), copied.ToJson(), CancellationToken.None);

        var info = await _bs.Store.InspectBackupAsync("vol", "backup-test3");
        Assert.Equal("backup-test3", info.Name);
        Assert.Equal("vol", info.VolumeName);
        Assert.EndsWith("?backup=backup-test3&volume=vol", info.Url);
        Assert.Contains("names the backup backup-elsewhere and names the volume other", info.Messages[BackupInfo.WarningMessage]);
        Assert.Equal((await _bs.RestoreToBytesAsync("vol", second.BackupName)), await _bs.RestoreToBytesAsync("vol", "backup-test3"));
    }

    [Fact]
    public async Task Deleting_the_last_backup_makes_the_newest_remaining_cfg_last_by_its_file_name_and_keeps_its_blocks()
    {
        var (source, first, second) = await TwoBackupsAsync();
        // A copy of the second backup under another file name, claiming another name, and newer than every other backup.
        var copied = BackupConfig.FromJson(await _bs.ReadBytesAsync(StorePaths.BackupConfig("vol", second.BackupName)))
            with { Name = "backup-elsewhere", SnapshotCreatedAt = "2099-01-01T00:00:00Z" };
        await _bs.Driver.WriteAsync(StorePaths.BackupConfig("vol", "backup-copy"), copied.ToJson(), CancellationToken.None);
        var blocksBefore = await _bs.ObjectsAsync(StorePaths.BlocksDirectory("vol"));

        var result = await _bs.Store.DeleteBackupAsync("vol", second.BackupName);

        Assert.Null(result.GarbageCollectionSkipped);
        Assert.Equal(0, result.RemovedBlockCount);
        Assert.Equal(blocksBefore, await _bs.ObjectsAsync(StorePaths.BlocksDirectory("vol")));
        var volume = await _bs.Store.InspectVolumeAsync("vol");
        Assert.Equal("backup-copy", volume.LastBackupName);
        Assert.Equal("2099-01-01T00:00:00Z", volume.LastBackupAt);
        Assert.Equal(source.Image("snap2"), await _bs.RestoreToBytesAsync("vol", "backup-copy"));
        Assert.Equal(source.Image("snap1"), await _bs.RestoreToBytesAsync("vol", first.BackupName));
    }

    [Fact]
    public async Task A_volume_cfg_without_its_name_stays_in_its_folder_through_a_backup()
    {
        var (source, _, _) = await TwoBackupsAsync();
        var path = StorePaths.VolumeConfig("vol");
        var nameless = (await _bs.ReadTextAsync(path)).Replace("\"Name\":\"vol\"", "\"Name\":\"\"", StringComparison.Ordinal);
        await _bs.WriteTextAsync(path, nameless);
        var filesBefore = _bs.Files().Count;

        source.Fill(6 * MiB, 2 * MiB, (byte)'c');
        source.Snapshot("snap3");
        var third = await BackupAsync(source, "vol", "snap3");

        // Only the new cfg and the new block were added; volume.cfg was rewritten in place, named by its folder.
        Assert.Equal(filesBefore + 2, _bs.Files().Count);
        var volume = await _bs.Store.InspectVolumeAsync("vol");
        Assert.Equal("vol", volume.Name);
        Assert.Equal(third.BackupName, volume.LastBackupName);
        Assert.True(third.Config.IsIncremental);
        Assert.Equal(source.Image("snap3"), await _bs.RestoreToBytesAsync("vol", third.BackupName));
    }

    [Fact]
    public async Task A_folder_without_volume_cfg_is_listed_with_its_error_and_its_backups()
    {
        await TwoBackupsAsync();
        await _bs.WriteTextAsync(StorePaths.BackupConfig("orphan", "backup-lost"), QaCfg);
        var expected = $"cannot find {StorePaths.VolumeConfig("orphan")} in backupstore";

        var all = await _bs.Store.ListAsync();
        Assert.Equal(["orphan", "vol"], all.Select(v => v.Name));
        var orphan = all[0];
        Assert.Equal(expected, orphan.Error);
        Assert.Equal(["backup-lost"], orphan.BackupNames);
        var one = Assert.Single(await _bs.Store.ListAsync("orphan"));
        Assert.Equal(expected, one.Error);
        Assert.Equal(["backup-lost"], one.BackupNames);
        Assert.Empty(Assert.Single(await _bs.Store.ListAsync("orphan", volumeOnly: true)).BackupNames);

        // Deleting a listed backup removes it, without GC (nothing says which blocks the volume holds).
        var result = await _bs.Store.DeleteBackupAsync("orphan", "backup-lost");
        Assert.Equal(expected, result.GarbageCollectionSkipped);
        Assert.Empty(Assert.Single(await _bs.Store.ListAsync("orphan")).BackupNames);
    }

    [Fact]
    public async Task An_in_progress_cfg_is_listed_and_inspecting_it_says_it_is_in_progress()
    {
        var (_, first, _) = await TwoBackupsAsync();
        var placeholder = new BackupConfig { Name = "backup-busy", VolumeName = "vol", CompressionMethod = "none" };
        await _bs.Driver.WriteAsync(StorePaths.BackupConfig("vol", "backup-busy"), placeholder.ToJson(), CancellationToken.None);

        Assert.Contains("backup-busy", Assert.Single(await _bs.Store.ListAsync("vol")).BackupNames);
        var e = await Assert.ThrowsAsync<BackupStoreInProgressException>(() => _bs.Store.InspectBackupAsync("vol", "backup-busy"));
        Assert.Equal("backup backup-busy is still in progress", e.Message);
        // Another writer's backup in progress keeps every block: GC is skipped.
        Assert.Contains("in progress", (await _bs.Store.DeleteBackupAsync("vol", first.BackupName)).GarbageCollectionSkipped);
    }
}
