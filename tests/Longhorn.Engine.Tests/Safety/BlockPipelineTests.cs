using Longhorn.Engine.Backups;
using Longhorn.Engine.Snapshots;
using Longhorn.Engine.Tests.Support;

namespace Longhorn.Engine.Tests.Safety;

/// <summary>
/// The block pipeline under backups and restores: N workers really run at once, and the first failure stops the
/// producer and the other workers and is reported as itself, so a failing backup ends instead of hanging.
/// </summary>
public sealed class BlockPipelineTests
{
    private const int MiB = 1024 * 1024;
    private static readonly TimeSpan HangLimit = TimeSpan.FromSeconds(30);
    private readonly MemorySnapshotSource _source = new(16 * MiB);

    public BlockPipelineTests()
    {
        for (var i = 0; i < 8; i++) _source.Fill(i * 2L * MiB, 4096, (byte)(i + 1));
        _source.Snapshot("s1");
    }

    [Theory]
    [InlineData(2)]
    [InlineData(3)]
    public async Task A_backup_reads_blocks_with_as_many_workers_at_once_as_configured(int workers)
    {
        using var bs = new TestStore(options: new BackupStoreOptions { BackupConcurrency = workers });
        var meeting = new Meeting(workers);
        var result = await bs.Store.CreateBackupAsync(new BackupRequest { VolumeName = "vol1", SnapshotName = "s1" }, new MeetingSource(_source, meeting))
            .WaitAsync(HangLimit);
        Assert.Equal(8, result.Config.Blocks.Count);
        Assert.Equal(workers, meeting.Peak);
    }

    [Fact]
    public async Task A_restore_writes_blocks_with_as_many_workers_at_once_as_configured()
    {
        using var bs = new TestStore(options: new BackupStoreOptions { RestoreConcurrency = 3 });
        var backup = await bs.Store.CreateBackupAsync(new BackupRequest { VolumeName = "vol1", SnapshotName = "s1" }, _source);
        var meeting = new Meeting(3);
        await bs.Store.RestoreAsync("vol1", backup.BackupName, new MeetingTarget(meeting)).WaitAsync(HangLimit);
        Assert.Equal(3, meeting.Peak);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    public async Task The_first_failing_block_ends_the_backup_with_its_own_error_and_no_other_block_is_read_after_it(int workers)
    {
        InterceptingDriver? driver = null;
        using var bs = new TestStore(d => driver = new InterceptingDriver(d), new BackupStoreOptions { BackupConcurrency = workers });
        var failing = new FailingSource(_source, failAt: 2 * MiB);
        var e = await Assert.ThrowsAsync<IOException>(() =>
            bs.Store.CreateBackupAsync(new BackupRequest { VolumeName = "vol1", SnapshotName = "s1" }, failing).WaitAsync(HangLimit));
        Assert.Equal("disk read error at 2097152", e.Message);
        // Each worker may have taken one more block before it saw the cancellation; the channel holds at most 2 per worker.
        Assert.InRange(failing.Reads, 2, 2 + 3 * workers);
        Assert.DoesNotContain(bs.Files(), f => f.EndsWith(".cfg", StringComparison.Ordinal) && f.Contains("/backups/", StringComparison.Ordinal));
    }

    /// <summary>Counts callers inside at once; each waits until <c>size</c> are inside (or all items ran), so too few workers hang.</summary>
    private sealed class Meeting(int size)
    {
        private readonly TaskCompletionSource _full = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private int _inside;
        private int _peak;

        public int Peak => Volatile.Read(ref _peak);

        public async Task AttendAsync(CancellationToken ct)
        {
            var now = Interlocked.Increment(ref _inside);
            int peak;
            while ((peak = Volatile.Read(ref _peak)) < now && Interlocked.CompareExchange(ref _peak, now, peak) != peak) { }
            if (now >= size) _full.TrySetResult();
            try
            {
                await _full.Task.WaitAsync(ct);
            }
            finally
            {
                Interlocked.Decrement(ref _inside);
            }
        }
    }

    private sealed class MeetingSource(ISnapshotSource inner, Meeting meeting) : ISnapshotSource
    {
        public long VolumeSize => inner.VolumeSize;
        public ValueTask<bool> HasSnapshotAsync(string name, CancellationToken ct) => inner.HasSnapshotAsync(name, ct);
        public async ValueTask<ISnapshotReader> OpenSnapshotAsync(string name, CancellationToken ct) => new Reader(await inner.OpenSnapshotAsync(name, ct), meeting);

        private sealed class Reader(ISnapshotReader inner, Meeting meeting) : ISnapshotReader
        {
            public ValueTask<IReadOnlyList<BlockMapping>> CompareAsync(string? baseName, long blockSize, CancellationToken ct) => inner.CompareAsync(baseName, blockSize, ct);

            public async ValueTask ReadAsync(long offset, Memory<byte> buffer, CancellationToken ct)
            {
                await meeting.AttendAsync(ct);
                await inner.ReadAsync(offset, buffer, ct);
            }

            public ValueTask DisposeAsync() => inner.DisposeAsync();
        }
    }

    private sealed class MeetingTarget(Meeting meeting) : IRestoreTarget
    {
        public ValueTask PrepareAsync(long size, CancellationToken ct) => ValueTask.CompletedTask;
        public async ValueTask WriteAsync(long offset, ReadOnlyMemory<byte> data, CancellationToken ct) => await meeting.AttendAsync(ct);
        public ValueTask FillZerosAsync(long offset, long length, CancellationToken ct) => ValueTask.CompletedTask;
    }

    private sealed class FailingSource(ISnapshotSource inner, long failAt) : ISnapshotSource
    {
        private int _reads;

        public long FailAt => failAt;

        public int Reads => Volatile.Read(ref _reads);
        public long VolumeSize => inner.VolumeSize;
        public ValueTask<bool> HasSnapshotAsync(string name, CancellationToken ct) => inner.HasSnapshotAsync(name, ct);
        public async ValueTask<ISnapshotReader> OpenSnapshotAsync(string name, CancellationToken ct) => new Reader(await inner.OpenSnapshotAsync(name, ct), this);

        private sealed class Reader(ISnapshotReader inner, FailingSource owner) : ISnapshotReader
        {
            public ValueTask<IReadOnlyList<BlockMapping>> CompareAsync(string? baseName, long blockSize, CancellationToken ct) => inner.CompareAsync(baseName, blockSize, ct);

            public ValueTask ReadAsync(long offset, Memory<byte> buffer, CancellationToken ct)
            {
                Interlocked.Increment(ref owner._reads);
                return offset == owner.FailAt ? throw new IOException($"disk read error at {offset}") : inner.ReadAsync(offset, buffer, ct);
            }

            public ValueTask DisposeAsync() => inner.DisposeAsync();
        }
    }
}
