using BenchmarkDotNet.Attributes;
using Longhorn.Engine.Blocks;

namespace Longhorn.Benchmarks.Micro;

/// <summary>Per-block costs: hashing, and compressing and decompressing with each method, on random and mixed blocks.</summary>
[MemoryDiagnoser]
public class BlockBenchmarks
{
    private const int BlockSize = 2 * 1024 * 1024;
    private readonly byte[] _restored = new byte[BlockSize];
    private byte[] _block = [];
    private byte[] _stored = [];
    private BlockCodec _codec = null!;

    [Params("random", "mixed")]
    public string Data { get; set; } = "random";

    [Params(CompressionMethod.None, CompressionMethod.Gzip, CompressionMethod.Lz4)]
    public CompressionMethod Method { get; set; }

    [Params(true, false)]
    public bool ContentChecksum { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        var spec = new Images.ImageSpec("micro", Data == "random" ? Images.ImageKind.Random : Images.ImageKind.Mixed, BlockSize, 0);
        _block = new byte[BlockSize];
        new Images.ImageGenerator(spec, 7).Fill(0, _block);
        _codec = new BlockCodec(BlockSize, ContentChecksum);
        _stored = _codec.Compress(_block, Method).ToArray();
    }

    [GlobalCleanup]
    public void Cleanup() => _codec.Dispose();

    [Benchmark]
    public int Compress() => _codec.Compress(_block, Method).Length;

    [Benchmark]
    public int Decompress() => _codec.Decompress(_stored, Method, _restored);
}

/// <summary>SHA-512 block ids (the same for every method: run once).</summary>
[MemoryDiagnoser]
public class HashBenchmarks
{
    private readonly byte[] _block = new byte[2 * 1024 * 1024];

    [GlobalSetup]
    public void Setup() => new Random(3).NextBytes(_block);

    [Benchmark]
    public string BlockId2MiB() => Engine.Blocks.BlockId.Compute(_block);
}
