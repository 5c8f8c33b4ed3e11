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

    /// <summary>
    /// A restore's floor: what every restore must do with each data block, and nothing else: read it (here from the
    /// image, in the page cache, as the store's blocks are), check its SHA-512 (Longhorn's checksum, verified before a
    /// block is written) and write it at its offset into a fresh file of the volume's size, on the given cores. No decode:
    /// the floor of an uncompressed store.
    /// </summary>
    public static Measurement MeasureRestore(PreparedImage image, int cores, string target)
    {
        var clock = Stopwatch.StartNew();
        using (var file = File.OpenHandle(image.ImagePath))
        using (var output = File.OpenHandle(target, FileMode.Create, FileAccess.ReadWrite, FileShare.Read))
        {
            RandomAccess.SetLength(output, image.Spec.Size);
            Parallel.ForEach(Partitioner(image.DataOffsets, cores), new ParallelOptions { MaxDegreeOfParallelism = cores }, part =>
            {
                var block = ArrayPool<byte>.Shared.Rent(ImageSpec.BlockSize);
                foreach (var offset in part)
                {
                    var data = block.AsSpan(0, ImageSpec.BlockSize);
                    RandomAccess.Read(file, data, offset);
                    BlockId.Compute(data);
                    RandomAccess.Write(output, data, offset);
                }
                ArrayPool<byte>.Shared.Return(block);
            });
        }
        return new Measurement(clock.Elapsed.TotalSeconds, Measurement.CurrentPeakRss());
    }

    private static IEnumerable<IEnumerable<long>> Partitioner(IReadOnlyList<long> offsets, int parts) =>
        Enumerable.Range(0, parts).Select(p => offsets.Where((_, i) => i % parts == p));
}
