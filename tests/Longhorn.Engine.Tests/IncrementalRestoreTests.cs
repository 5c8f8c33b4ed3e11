using Longhorn.Engine.Backups;
using Longhorn.Engine.Format;
using Longhorn.Engine.Tests.Support;

namespace Longhorn.Engine.Tests;

public sealed class IncrementalRestoreTests : IDisposable
{
    private const int MiB = 1024 * 1024;
    private readonly TestStore _bs = new();

    public void Dispose() => _bs.Dispose();

    [Fact]
    public async Task Incremental_restore_between_block_sizes_is_rejected()
    {
        var source = new MemorySnapshotSource(32 * MiB);
        source.Fill(0, 4096, 1);
        source.Snapshot("s1");
        var a = await _bs.Store.CreateBackupAsync(new BackupRequest { VolumeName = "vol1", SnapshotName = "s1", BlockSize = 16 * MiB }, source);
        source.Fill(0, 4096, 2);
        source.Snapshot("s2");
        var b = await _bs.Store.CreateBackupAsync(new BackupRequest { VolumeName = "vol1", SnapshotName = "s2", BlockSize = 2 * MiB }, source);
        Assert.False(b.Config.IsIncremental); // a base with another block size forces a full backup
        var e = await Assert.ThrowsAsync<BackupStoreArgumentException>(
            () => _bs.Store.RestoreIncrementallyAsync("vol1", b.BackupName, a.BackupName, new RecordingTarget()));
        Assert.Contains("backup block size is changed from 16777216 to 2097152", e.Message);
    }

    private sealed class Reports : IProgress<int>
    {
        public List<int> Values { get; } = [];
        public void Report(int value) { lock (Values) Values.Add(value); }
    }

    [Fact]
    public async Task An_incremental_restore_writes_new_blocks_and_zero_fills_dropped_ones_in_offset_order()
    {
        var source = new MemorySnapshotSource(8 * MiB);
        source.Fill(0, 4096, 1);
        source.Fill(4 * MiB, 4096, 2);
        source.Snapshot("s1");
        var last = await _bs.Store.CreateBackupAsync(new BackupRequest { VolumeName = "vol1", SnapshotName = "s1" }, source);
        source.Fill(2 * MiB, 4096, 3);
        source.Fill(6 * MiB, 4096, 4);
        source.Snapshot("s2");
        var next = await _bs.Store.CreateBackupAsync(new BackupRequest { VolumeName = "vol1", SnapshotName = "s2" }, source);
        // The newer backup no longer lists 4 MiB (as after a trim): 0 is the same, 2 and 6 MiB are new, 4 MiB is dropped.
        var path = StorePaths.BackupConfig("vol1", next.BackupName);
        var cfg = BackupConfig.FromJson(await _bs.ReadBytesAsync(path));
        await _bs.Driver.WriteAsync(path, (cfg with { Blocks = cfg.Blocks.Where(b => b.Offset != 4 * MiB).ToList() }).ToJson(), default);

        var target = new RecordingTarget();
        var reports = new Reports();
        await _bs.Store.RestoreIncrementallyAsync("vol1", next.BackupName, last.BackupName, target, reports);

        var image = source.Image("s2");
        Assert.Equal([2L * MiB, 6L * MiB], target.Writes.Select(w => w.Offset).Order());
        Assert.Equal(image[(2 * MiB)..(4 * MiB)], target.Writes.Single(w => w.Offset == 2 * MiB).Data);
        Assert.Equal(image[(6 * MiB)..], target.Writes.Single(w => w.Offset == 6 * MiB).Data);
        Assert.Equal([(4L * MiB, 2L * MiB)], target.Zeros);
        Assert.Equal(100, reports.Values[^1]);
    }
}
