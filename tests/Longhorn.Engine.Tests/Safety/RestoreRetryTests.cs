using Longhorn.Engine.Backups;
using Longhorn.Engine.Blocks;
using Longhorn.Engine.Format;
using Longhorn.Engine.Tests.Support;

namespace Longhorn.Engine.Tests.Safety;

/// <summary>
/// Restore's block reads (spec §5.1 step 5): any error but a checksum mismatch is retried after Longhorn's waits
/// (1 s, 5 s, 30 s, 1 min, 2 min, 5 min: seven attempts), on the injected clock; a mismatch fails at the first read.
/// </summary>
public sealed class RestoreRetryTests : IDisposable
{
    private const int MiB = 1024 * 1024;
    private static readonly TimeSpan LonghornWaits = TimeSpan.FromSeconds(1 + 5 + 30 + 60 + 120 + 300);
    private readonly InterceptingDriver _driver;
    private readonly TestStore _bs;
    private readonly MemorySnapshotSource _source = new(4 * MiB);
    private readonly BackupResult _backup;
    private readonly string _flaky;

    public RestoreRetryTests()
    {
        InterceptingDriver? driver = null;
        // Longhorn's own schedule, one restore worker so the shared clock counts one block's waits.
        _bs = new TestStore(d => driver = new InterceptingDriver(d), new BackupStoreOptions { RestoreConcurrency = 1 });
        _driver = driver!;
        _source.Fill(0, 2 * MiB, 1);
        _source.Fill(2 * MiB, 2 * MiB, 2);
        _source.Snapshot("s1");
        _backup = _bs.Store.CreateBackupAsync(new BackupRequest { VolumeName = "vol1", SnapshotName = "s1", Compression = CompressionMethod.None }, _source)
            .GetAwaiter().GetResult();
        _flaky = StorePaths.Block("vol1", _backup.Config.Blocks[1].BlockChecksum);
    }

    public void Dispose() => _bs.Dispose();

    private void FailReads(int times, Func<Exception> error)
    {
        var failures = 0;
        _driver.BeforeRead = path => path == _flaky && Interlocked.Increment(ref failures) <= times ? throw error() : ValueTask.CompletedTask;
    }

    private async Task<(TimeSpan Waited, byte[]? Image, Exception? Error)> RestoreAsync(CancellationToken cancellationToken = default)
    {
        _driver.Reads.Clear();
        var start = _bs.Time.GetUtcNow();
        var target = new RecordingTarget();
        try
        {
            await _bs.Store.RestoreAsync("vol1", _backup.BackupName, target, cancellationToken: cancellationToken);
        }
        catch (Exception e)
        {
            return (_bs.Time.GetUtcNow() - start - _bs.Options.Locks.SettleTime, null, e);
        }
        var image = new byte[target.Size];
        foreach (var (offset, data) in target.Writes) data.CopyTo(image, offset);
        return (_bs.Time.GetUtcNow() - start - _bs.Options.Locks.SettleTime, image, null);
    }

    [Theory]
    [InlineData(1, 1)]
    [InlineData(2, 1 + 5)]
    [InlineData(6, 1 + 5 + 30 + 60 + 120 + 300)]
    public async Task A_block_read_that_fails_then_succeeds_is_retried_after_longhorns_waits_and_restores(int failures, int waitedSeconds)
    {
        FailReads(failures, () => new IOException("connection reset by peer"));
        var (waited, image, error) = await RestoreAsync();
        Assert.Null(error);
        Assert.Equal(_source.Image("s1"), image);
        Assert.Equal(failures + 1, _driver.Reads[_flaky]);
        Assert.Equal(TimeSpan.FromSeconds(waitedSeconds), waited);
    }

    [Fact]
    public async Task A_block_read_that_keeps_failing_gives_up_after_seven_attempts_with_the_last_error()
    {
        FailReads(int.MaxValue, () => new BackupStoreException("store unavailable"));
        var (waited, _, error) = await RestoreAsync();
        Assert.Equal("store unavailable", Assert.IsType<BackupStoreException>(error).Message);
        Assert.Equal(7, _driver.Reads[_flaky]);
        Assert.Equal(LonghornWaits, waited);
        Assert.Empty(Directory.GetFiles(_bs.Local(StorePaths.Volume("vol1")), "*.lck", SearchOption.AllDirectories));
    }

    [Fact]
    public async Task A_bad_checksum_block_fails_restore_at_the_first_read_without_waiting()
    {
        var bytes = await _bs.ReadBytesAsync(_flaky);
        bytes[100] ^= 1;
        await _bs.Driver.WriteAsync(_flaky, bytes, default);
        var (waited, _, error) = await RestoreAsync();
        var corrupt = Assert.IsType<BackupStoreCorruptException>(error);
        Assert.True(corrupt.IsChecksumMismatch);
        Assert.StartsWith($"checksum verification failed for block {_flaky}", corrupt.Message);
        Assert.Equal(1, _driver.Reads[_flaky]);
        Assert.Equal(TimeSpan.Zero, waited);
    }

    [Fact]
    public async Task A_block_that_decodes_to_the_wrong_size_is_retried_as_any_other_read_error()
    {
        // Not a checksum mismatch: Go retries every error but "checksum verification failed".
        var id = _backup.Config.Blocks[1].BlockChecksum;
        await _bs.Driver.WriteAsync(_flaky, new byte[2 * MiB + 1], default);
        var (waited, _, error) = await RestoreAsync();
        var corrupt = Assert.IsType<BackupStoreCorruptException>(error);
        Assert.False(corrupt.IsChecksumMismatch);
        Assert.Contains(id, corrupt.Message);
        Assert.Equal(7, _driver.Reads[_flaky]);
        Assert.Equal(LonghornWaits, waited);
    }

    [Fact]
    public async Task A_cancelled_restore_stops_at_once_and_says_so()
    {
        using var cancel = new CancellationTokenSource();
        _driver.BeforeRead = async path =>
        {
            if (path != _flaky) return;
            await cancel.CancelAsync();
            throw new OperationCanceledException(cancel.Token);
        };
        var (waited, _, error) = await RestoreAsync(cancel.Token);
        Assert.Equal("backup restoration is cancelled", Assert.IsAssignableFrom<OperationCanceledException>(error).Message);
        Assert.Equal(1, _driver.Reads[_flaky]);
        Assert.Equal(TimeSpan.Zero, waited);
    }

    [Fact]
    public async Task Progress_reaches_95_per_block_share_then_100()
    {
        var reports = new List<int>();
        var progress = new SynchronousProgress(reports);
        await _bs.Store.RestoreAsync("vol1", _backup.BackupName, new RecordingTarget(), progress);
        Assert.Equal([47, 95, 100], reports);
    }

    private sealed class SynchronousProgress(List<int> reports) : IProgress<int>
    {
        public void Report(int value)
        {
            lock (reports) reports.Add(value);
        }
    }
}
