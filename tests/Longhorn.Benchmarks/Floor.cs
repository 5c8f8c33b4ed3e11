using System.Buffers;
using System.Diagnostics;
using Longhorn.Benchmarks.Images;
using Longhorn.Engine.Blocks;

namespace Longhorn.Benchmarks;

/// <summary>The hardware floor: SHA-512 of every data byte plus an LZ4 frame of every data byte, on the given cores.</summary>
public static class Floor
{
    public static Measurement Measure(PreparedImage image, int cores, bool lz4ContentChecksum)
    {
        var clock = Stopwatch.StartNew();
        using var file = File.OpenHandle(image.ImagePath);
        Parallel.ForEach(Partitioner(image.DataOffsets, cores), new ParallelOptions { MaxDegreeOfParallelism = cores }, part =>
        {
            var block = ArrayPool<byte>.Shared.Rent(ImageSpec.BlockSize);
            using var codec = new BlockCodec(ImageSpec.BlockSize, lz4ContentChecksum);
            foreach (var offset in part)
            {
                var data = block.AsSpan(0, ImageSpec.BlockSize);
                RandomAccess.Read(file, data, offset);
                BlockId.Compute(data);
                codec.Compress(data, CompressionMethod.Lz4);
            }
            ArrayPool<byte>.Shared.Return(block);
        });
        return new Measurement(clock.Elapsed.TotalSeconds, Measurement.CurrentPeakRss());
    }

    private static IEnumerable<IEnumerable<long>> Partitioner(IReadOnlyList<long> offsets, int parts) =>
        Enumerable.Range(0, parts).Select(p => offsets.Where((_, i) => i % parts == p));
}
