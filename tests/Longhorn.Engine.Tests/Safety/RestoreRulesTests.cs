using Longhorn.Engine.Backups;
using Longhorn.Engine.Format;
using Longhorn.Engine.Tests.Support;

namespace Longhorn.Engine.Tests.Safety;

/// <summary>What a restore refuses before it writes a byte (spec §5): a cfg or volume.cfg it cannot trust, a backup still being written.</summary>
public sealed class RestoreRulesTests : IDisposable
{
    private const int MiB = 1024 * 1024;
    private readonly TestStore _bs = new();
    private readonly MemorySnapshotSource _source = new(4 * MiB);
    private readonly BackupResult _first;
    private readonly BackupResult _second;

    public RestoreRulesTests()
    {
        _source.Fill(0, 4096, 1);
        _source.Fill(2 * MiB, 4096, 2);
        _source.Snapshot("s1");
        _first = _bs.Store.CreateBackupAsync(new BackupRequest { VolumeName = "vol1", SnapshotName = "s1" }, _source).GetAwaiter().GetResult();
        _source.Fill(2 * MiB, 4096, 3);
        _source.Snapshot("s2");
        _second = _bs.Store.CreateBackupAsync(new BackupRequest { VolumeName = "vol1", SnapshotName = "s2" }, _source).GetAwaiter().GetResult();
    }

    public void Dispose() => _bs.Dispose();

    private string CfgPath(BackupResult backup) => _bs.Local(StorePaths.BackupConfig("vol1", backup.BackupName));

    private async Task<T> Refused<T>(Func<RecordingTarget, Task> restore) where T : Exception
    {
        var target = new RecordingTarget();
        var e = await Assert.ThrowsAsync<T>(() => restore(target));
        Assert.Empty(target.Writes);
        Assert.Equal(0, target.Size);
        return e;
    }

    [Fact]
    public async Task A_backup_in_progress_is_not_restored_in_full_or_incrementally_in_either_role()
    {
        await File.WriteAllBytesAsync(CfgPath(_second), (_second.Config with { CreatedTime = "" }).ToJson());
        var full = await Refused<BackupStoreArgumentException>(t => _bs.Store.RestoreAsync("vol1", _second.BackupName, t));
        Assert.Equal($"backup {_second.BackupName} of volume vol1 is still in progress", full.Message);
        await Refused<BackupStoreArgumentException>(t => _bs.Store.RestoreIncrementallyAsync("vol1", _second.BackupName, _first.BackupName, t));

        await File.WriteAllBytesAsync(CfgPath(_second), _second.Config.ToJson());
        await File.WriteAllBytesAsync(CfgPath(_first), (_first.Config with { CreatedTime = "" }).ToJson());
        var last = await Refused<BackupStoreArgumentException>(t => _bs.Store.RestoreIncrementallyAsync("vol1", _second.BackupName, _first.BackupName, t));
        Assert.Equal($"backup {_first.BackupName} of volume vol1 is still in progress", last.Message);
    }

    [Fact]
    public async Task A_volume_cfg_without_a_size_is_refused_naming_it()
    {
        var path = _bs.Local(StorePaths.VolumeConfig("vol1"));
        var volume = VolumeConfig.FromJson(await File.ReadAllBytesAsync(path));
        await File.WriteAllBytesAsync(path, (volume with { Size = 0 }).ToJson());
        var e = await Refused<BackupStoreCorruptException>(t => _bs.Store.RestoreAsync("vol1", _second.BackupName, t));
        Assert.Equal($"{StorePaths.VolumeConfig("vol1")}: volume size is 0", e.Message);
    }

    [Theory]
    [InlineData(2 * MiB, true)]
    [InlineData(4 * MiB, false)]
    [InlineData(MiB, false)]
    public async Task A_block_must_lie_aligned_inside_the_volume(long offset, bool inside)
    {
        List<BackupBlock> blocks = [_second.Config.Blocks[0], _second.Config.Blocks[1] with { Offset = offset }];
        await File.WriteAllBytesAsync(CfgPath(_second), (_second.Config with { Blocks = blocks }).ToJson());
        if (inside)
        {
            await _bs.Store.RestoreAsync("vol1", _second.BackupName, new RecordingTarget());
            return;
        }
        var e = await Refused<BackupStoreCorruptException>(t => _bs.Store.RestoreAsync("vol1", _second.BackupName, t));
        Assert.EndsWith($"a block offset is not aligned to {2 * MiB} or lies past the volume size {4 * MiB}", e.Message);
    }

    [Theory]
    [InlineData("4194304", "a block offset is not aligned to 4194304")]
    [InlineData("3000000", "block size 3000000 does not divide the volume size 4194304 of volume vol1")]
    [InlineData("-2097152", "invalid block size -2097152")]
    [InlineData("3000000000", "block size 3000000000 does not divide")]
    [InlineData("x", "invalid block size x")]
    public async Task A_cfg_whose_block_size_cannot_serve_the_volume_is_refused(string blockSize, string expected)
    {
        var parameters = new Dictionary<string, string>(_second.Config.Parameters!) { [BackupConfig.BlockSizeParameter] = blockSize };
        await File.WriteAllBytesAsync(CfgPath(_second), (_second.Config with { Parameters = parameters }).ToJson());
        var e = await Refused<BackupStoreCorruptException>(t => _bs.Store.RestoreAsync("vol1", _second.BackupName, t));
        Assert.StartsWith(StorePaths.BackupConfig("vol1", _second.BackupName) + ": ", e.Message);
        Assert.Contains(expected, e.Message);
    }

    [Fact]
    public async Task An_incremental_restore_writes_the_changed_block_and_skips_the_same_one()
    {
        var target = new RecordingTarget();
        await _bs.Store.RestoreIncrementallyAsync("vol1", _second.BackupName, _first.BackupName, target);
        var write = Assert.Single(target.Writes);
        Assert.Equal(2 * MiB, write.Offset);
        Assert.Equal(_source.Image("s2")[(2 * MiB)..], write.Data);
        Assert.Empty(target.Zeros);
        Assert.Equal(4 * MiB, target.Size);
    }

    [Theory]
    [InlineData("../vol1", "backup-b", "backup-a", "invalid volume name ../vol1")]
    [InlineData("vol1", "../backup-b", "backup-a", "invalid backup name ../backup-b")]
    [InlineData("vol1", "backup-b", "../backup-a", "invalid last restored backup name ../backup-a")]
    public async Task Every_name_of_a_restore_is_checked_before_the_store_is_touched(string volume, string backup, string last, string expected)
    {
        var before = _bs.Contents();
        var incremental = await Refused<BackupStoreArgumentException>(t => _bs.Store.RestoreIncrementallyAsync(volume, backup, last, t));
        Assert.Equal($"{expected}: must match ^[a-zA-Z0-9][a-zA-Z0-9_.-]+$", incremental.Message);
        if (!last.StartsWith("../", StringComparison.Ordinal))
        {
            var full = await Refused<BackupStoreArgumentException>(t => _bs.Store.RestoreAsync(volume, backup, t));
            Assert.Equal(incremental.Message, full.Message);
        }
        Assert.Equal(before, _bs.Contents());
    }
}
