using Longhorn.Engine.Backups;
using Longhorn.Engine.Store;
using Longhorn.Engine.Store.S3;
using Longhorn.Engine.Tests.Support;
using Longhorn.Simulator.S3;

namespace Longhorn.Engine.Tests.S3;

/// <summary>Backups to the emulator while it misbehaves: throttled and slow, or gone in the middle of a backup.</summary>
public sealed class S3OutageTests : IAsyncLifetime
{
    private const int MiB = 1024 * 1024;
    private readonly TempDirectory _dir = new();
    private readonly S3Emulator _emulator;
    private readonly CapturingLogger _log = new();

    public S3OutageTests() => _emulator = new S3Emulator(new S3EmulatorOptions { DataDirectory = _dir.Combine("s3") });

    public Task InitializeAsync() => _emulator.StartAsync();

    public async Task DisposeAsync()
    {
        await _emulator.DisposeAsync();
        _dir.Dispose();
    }

    private S3TestTarget Target => new(_emulator.Url, S3EmulatorOptions.DefaultBucket, S3EmulatorOptions.DefaultAccessKey, S3EmulatorOptions.DefaultSecretKey);

    private async Task<IBackupStoreDriver> DriverAsync(string target) =>
        await new BackupStoreDrivers().AddS3(S3TestTarget.FastRetries, logger: _log).CreateAsync(target, Target.Credentials);

    private static MemorySnapshotSource Volume(int seed)
    {
        var source = new MemorySnapshotSource(8 * MiB);
        var random = new Random(seed);
        var chunk = new byte[MiB];
        for (var i = 0; i < 8; i += 2)
        {
            random.NextBytes(chunk);
            source.Write(i * MiB, chunk);
        }
        source.Snapshot("s1");
        return source;
    }

    [Fact]
    public async Task A_backup_with_ten_percent_slow_downs_and_50_ms_latency_completes_and_restores_byte_exact()
    {
        using var bs = new TestStore(await DriverAsync(Target.NewTargetUrl()));
        _emulator.Faults.Set(new S3Faults { SlowDownRate = 0.10, LatencyMs = 50, Seed = 7 });
        var source = Volume(1);

        var result = await bs.Store.CreateBackupAsync(new BackupRequest { VolumeName = "vol1", SnapshotName = "s1" }, source);
        var restored = await bs.RestoreToBytesAsync("vol1", result.BackupName);
        _emulator.Faults.Set(S3Faults.None);

        Assert.Equal(source.Image("s1"), restored);
        var retries = _log.Messages.Where(m => m.StartsWith("Retrying S3", StringComparison.Ordinal)).ToList();
        Assert.NotEmpty(retries);
        Assert.All(retries, m => Assert.Contains("backupstore/", m)); // each retry names its key
        Assert.Contains(retries, m => m.Contains("503 SlowDown"));
    }

    [Fact]
    public async Task A_backup_cut_off_by_an_outage_fails_clearly_keeps_earlier_backups_and_succeeds_after_a_restart()
    {
        var target = Target.NewTargetUrl();
        var faulty = new FaultyDriver(await DriverAsync(target));
        using var bs = new TestStore(faulty);
        var source = Volume(2);
        var first = await bs.Store.CreateBackupAsync(new BackupRequest { VolumeName = "vol1", SnapshotName = "s1" }, source);

        var chunk = new byte[MiB];
        new Random(3).NextBytes(chunk);
        source.Write(MiB, chunk);
        source.Write(5 * MiB, chunk.Reverse().ToArray());
        source.Snapshot("s2");
        var blocks = 0;
        faulty.BeforeWrite = async (_, path) =>
        {
            if (path.EndsWith(".blk", StringComparison.Ordinal) && Interlocked.Increment(ref blocks) == 2) await _emulator.StopAsync();
        };
        var e = await Assert.ThrowsAsync<BackupStoreException>(() =>
            bs.Store.CreateBackupAsync(new BackupRequest { VolumeName = "vol1", SnapshotName = "s2" }, source));
        Assert.Contains(target, e.Message);
        Assert.Contains("Connection refused", e.Message);
        faulty.BeforeWrite = null;

        await _emulator.StartAsync();
        Assert.Equal(source.Image("s1"), await bs.RestoreToBytesAsync("vol1", first.BackupName));
        var again = await bs.Store.CreateBackupAsync(new BackupRequest { VolumeName = "vol1", SnapshotName = "s2" }, source);
        Assert.Equal(source.Image("s2"), await bs.RestoreToBytesAsync("vol1", again.BackupName));
        Assert.Equal(source.Image("s1"), await bs.RestoreToBytesAsync("vol1", first.BackupName));
        Assert.Equal(again.BackupName, (await bs.Store.InspectVolumeAsync("vol1")).LastBackupName);
    }
}
