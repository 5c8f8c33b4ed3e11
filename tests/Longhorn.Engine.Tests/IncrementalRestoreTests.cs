using Longhorn.Engine.Backups;
using Longhorn.Engine.Format;
using Longhorn.Engine.Snapshots;
using Longhorn.Engine.Tests.Support;

namespace Longhorn.Engine.Tests;

public sealed class IncrementalRestoreTests : IDisposable
{
    private const int MiB = 1024 * 1024;
    private readonly TestStore _bs = new();

    public void Dispose() => _bs.Dispose();

    /// <summary>Records what a restore asked the target to do.</summary>
    private sealed class RecordingTarget : IRestoreTarget
    {
        public long Size { get; private set; }
        public List<(long Offset, byte[] Data)> Writes { get; } = [];
        public List<(long Offset, long Length)> Zeros { get; } = [];

        public ValueTask PrepareAsync(long size, CancellationToken ct) { Size = size; return ValueTask.CompletedTask; }

        public ValueTask WriteAsync(long offset, ReadOnlyMemory<byte> data, CancellationToken ct)
        {
            lock (Writes) Writes.Add((offset, data.ToArray()));
            return ValueTask.CompletedTask;
        }

        public ValueTask FillZerosAsync(long offset, long length, CancellationToken ct)
        {
            lock (Zeros) Zeros.Add((offset, length));
            return ValueTask.CompletedTask;
        }
    }

    [Fact]
    public async Task Incremental_restore_writes_changed_blocks_and_zero_fills_dropped_ones()
    {
        var source = new MemorySnapshotSource(32 * MiB);
        source.Fill(0, 16 * MiB, 1);
        source.Fill(16 * MiB, 4096, 2);
        source.Snapshot("s1");
        var last = await _bs.Store.CreateBackupAsync(new BackupRequest { VolumeName = "vol1", SnapshotName = "s1", BlockSize = 16 * MiB }, source);
        source.Fill(0, 4096, 3);
        source.Snapshot("s2");
        var next = await _bs.Store.CreateBackupAsync(new BackupRequest { VolumeName = "vol1", SnapshotName = "s2", BlockSize = 16 * MiB }, source);

        // Synthesize the spec's case: the newer backup no longer lists the block at 16 MiB.
        var path = _bs.Local(StorePaths.BackupConfig("vol1", next.BackupName));
        var cfg = BackupConfig.FromJson(File.ReadAllBytes(path));
        File.WriteAllBytes(path, (cfg with { Blocks = cfg.Blocks.Where(b => b.Offset == 0).ToList() }).ToJson());

        var target = new RecordingTarget();
        await _bs.Store.RestoreIncrementallyAsync("vol1", next.BackupName, last.BackupName, target);
        Assert.Equal(32 * MiB, target.Size);
        var write = Assert.Single(target.Writes);
        Assert.Equal(0, write.Offset);
        Assert.Equal(source.Image("s2")[..(16 * MiB)], write.Data);
        Assert.Equal([(16L * MiB, 16L * MiB)], target.Zeros);
    }

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
}
