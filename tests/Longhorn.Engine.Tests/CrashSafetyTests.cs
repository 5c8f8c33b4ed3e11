using Longhorn.Engine.Backups;
using Longhorn.Engine.Format;
using Longhorn.Engine.Snapshots;
using Longhorn.Engine.Tests.Support;

namespace Longhorn.Engine.Tests;

/// <summary>A backup that fails at any point leaves earlier backups restorable and no cfg that claims completion.</summary>
public sealed class CrashSafetyTests
{
    private const int MiB = 1024 * 1024;

    private static MemorySnapshotSource Volume()
    {
        var source = new MemorySnapshotSource(16 * MiB);
        var random = new Random(7);
        var chunk = new byte[2 * MiB];
        for (var i = 0; i < 4; i++)
        {
            random.NextBytes(chunk);
            source.Write(i * 4 * MiB, chunk);
        }
        source.Snapshot("s1");
        var more = new byte[2 * MiB];
        random.NextBytes(more);
        source.Write(2 * MiB, more);
        source.Write(6 * MiB, more);
        random.NextBytes(more);
        source.Write(10 * MiB, more);
        source.Snapshot("s2");
        return source;
    }

    private static BackupRequest Request(string snapshot) => new() { VolumeName = "vol1", SnapshotName = snapshot };

    private static void AssertOnlyCompletedCfgsAre(TestStore bs, params string[] completed)
    {
        var dir = bs.Local(StorePaths.BackupsDirectory("vol1"));
        var claims = Directory.Exists(dir)
            ? Directory.GetFiles(dir, "*.cfg").Select(f => BackupConfig.FromJson(File.ReadAllBytes(f))).Where(c => !c.IsInProgress).Select(c => c.Name).Order().ToList()
            : new List<string>();
        Assert.Equal(completed.Order(), claims);
        Assert.Empty(Directory.GetFiles(bs.Root, "*.tmp.*", SearchOption.AllDirectories));
    }

    [Fact]
    public async Task A_backup_failing_on_any_write_leaves_earlier_backups_restorable_and_the_next_one_succeeds()
    {
        var source = Volume();
        var failuresSeen = 0;
        for (var n = 1; ; n++)
        {
            FaultyDriver? faulty = null;
            using var bs = new TestStore(d => faulty = new FaultyDriver(d));
            var first = await bs.Store.CreateBackupAsync(Request("s1"), source);
            faulty!.FailOnWrite = faulty.Writes + n;
            try
            {
                await bs.Store.CreateBackupAsync(Request("s2"), source);
                break; // n is past the last write: every failure point has been tried.
            }
            catch (BackupStoreException e)
            {
                Assert.Contains("injected failure", e.Message);
                failuresSeen++;
            }
            AssertOnlyCompletedCfgsAre(bs, first.BackupName);
            Assert.Equal(source.Image("s1"), await bs.RestoreToBytesAsync("vol1", first.BackupName));
            Assert.Equal(first.BackupName, (await bs.Store.InspectVolumeAsync("vol1")).LastBackupName);

            faulty.FailOnWrite = 0;
            var retry = await bs.Store.CreateBackupAsync(Request("s2"), source);
            Assert.Equal(source.Image("s2"), await bs.RestoreToBytesAsync("vol1", retry.BackupName));
            Assert.Equal(source.Image("s1"), await bs.RestoreToBytesAsync("vol1", first.BackupName));
        }
        // Lock write, lock acquired, placeholder, 2 new blocks (the third deduplicates), cfg, volume.cfg.
        Assert.Equal(7, failuresSeen);
    }

    [Fact]
    public async Task A_block_write_timing_out_in_the_driver_fails_the_backup_with_the_drivers_message_and_keeps_earlier_backups()
    {
        var source = Volume();
        FaultyDriver? faulty = null;
        using var bs = new TestStore(d => faulty = new FaultyDriver(d));
        var first = await bs.Store.CreateBackupAsync(Request("s1"), source);
        // What HttpClient throws when its timeout elapses: a cancellation no caller asked for.
        faulty!.BeforeWrite = (_, path) => path.Contains("/blocks/", StringComparison.Ordinal)
            ? throw new TaskCanceledException("The request was canceled due to the configured HttpClient.Timeout of 100 seconds elapsing.")
            : ValueTask.CompletedTask;

        var failure = await Assert.ThrowsAsync<BackupStoreException>(() => bs.Store.CreateBackupAsync(Request("s2"), source));

        Assert.Contains("HttpClient.Timeout of 100 seconds elapsing", failure.Message);
        AssertOnlyCompletedCfgsAre(bs, first.BackupName);
        Assert.Equal(source.Image("s1"), await bs.RestoreToBytesAsync("vol1", first.BackupName));
    }

    [Fact]
    public async Task A_backup_cancelled_mid_upload_leaves_no_completed_cfg_and_the_next_one_succeeds()
    {
        var source = Volume();
        using var bs = new TestStore();
        var first = await bs.Store.CreateBackupAsync(Request("s1"), source);
        using var cancel = new CancellationTokenSource();
        var cancelling = new CancellingSource(source, cancel, afterReads: 2);

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() =>
            bs.Store.CreateBackupAsync(Request("s2"), cancelling, cancellationToken: cancel.Token));

        AssertOnlyCompletedCfgsAre(bs, first.BackupName);
        Assert.Empty(Directory.GetFiles(bs.Local(StorePaths.LocksDirectory("vol1")[..^"locks".Length]), "*.lck", SearchOption.AllDirectories));
        Assert.Equal(source.Image("s1"), await bs.RestoreToBytesAsync("vol1", first.BackupName));
        var retry = await bs.Store.CreateBackupAsync(Request("s2"), source);
        Assert.Equal(source.Image("s2"), await bs.RestoreToBytesAsync("vol1", retry.BackupName));
    }

    /// <summary>Cancels the backup's token after a number of block reads, as a user pressing stop mid-upload.</summary>
    private sealed class CancellingSource(ISnapshotSource inner, CancellationTokenSource cancel, int afterReads) : ISnapshotSource
    {
        public long VolumeSize => inner.VolumeSize;

        public ValueTask<bool> HasSnapshotAsync(string snapshotName, CancellationToken ct) => inner.HasSnapshotAsync(snapshotName, ct);

        public async ValueTask<ISnapshotReader> OpenSnapshotAsync(string snapshotName, CancellationToken ct) =>
            new Reader(await inner.OpenSnapshotAsync(snapshotName, ct), cancel, afterReads);

        private sealed class Reader(ISnapshotReader inner, CancellationTokenSource cancel, int afterReads) : ISnapshotReader
        {
            private int _reads;

            public ValueTask<IReadOnlyList<BlockMapping>> CompareAsync(string? baseSnapshotName, long blockSize, CancellationToken ct) =>
                inner.CompareAsync(baseSnapshotName, blockSize, ct);

            public ValueTask ReadAsync(long offset, Memory<byte> buffer, CancellationToken ct)
            {
                if (Interlocked.Increment(ref _reads) == afterReads) cancel.Cancel();
                return inner.ReadAsync(offset, buffer, ct);
            }

            public ValueTask DisposeAsync() => inner.DisposeAsync();
        }
    }
}
