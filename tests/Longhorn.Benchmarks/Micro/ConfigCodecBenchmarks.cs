using BenchmarkDotNet.Attributes;
using Longhorn.Engine.Format;

namespace Longhorn.Benchmarks.Micro;

/// <summary>The cfg JSON codec on a backup of a 1 TiB volume's worth of block entries (524 288) and on volume.cfg.</summary>
[MemoryDiagnoser]
public class ConfigCodecBenchmarks
{
    private BackupConfig _backup = null!;
    private byte[] _backupJson = [];
    private byte[] _volumeJson = [];

    [Params(2_048, 524_288)]
    public int Blocks { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        var ids = Enumerable.Range(0, 64).Select(i => Engine.Blocks.BlockId.Compute(BitConverter.GetBytes(i))).ToArray();
        _backup = new BackupConfig
        {
            Name = "backup-0123456789ab4def", VolumeName = "vol1", SnapshotName = "snap1", SnapshotCreatedAt = "2024-01-02T03:04:06Z",
            CreatedTime = "2024-01-02T03:04:10Z", Size = Blocks * 2097152L, CompressionMethod = "lz4",
            Parameters = new Dictionary<string, string> { ["backup-block-size"] = "2097152", ["backup-mode"] = "incremental" },
            Blocks = Enumerable.Range(0, Blocks).Select(i => new BackupBlock(i * 2097152L, ids[i % ids.Length])).ToList(),
        };
        _backupJson = _backup.ToJson();
        _volumeJson = new VolumeConfig { Name = "vol1", Size = 1L << 40, CompressionMethod = "lz4", DataEngine = "v1" }.ToJson();
    }

    [Benchmark]
    public int WriteBackupCfg() => _backup.ToJson().Length;

    [Benchmark]
    public int ReadBackupCfg() => BackupConfig.FromJson(_backupJson).Blocks.Count;

    [Benchmark]
    public long ReadVolumeCfg() => VolumeConfig.FromJson(_volumeJson).Size;
}
