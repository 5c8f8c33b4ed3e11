using Longhorn.Engine.Backups;
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
}
