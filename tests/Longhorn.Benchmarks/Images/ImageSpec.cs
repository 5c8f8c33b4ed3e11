namespace Longhorn.Benchmarks.Images;

/// <summary>One image to generate: its kind, apparent size and (for sparse images) how many 2 MiB data blocks.</summary>
public sealed record ImageSpec(string Name, ImageKind Kind, long Size, int DataBlocks)
{
    public const int BlockSize = 2 * 1024 * 1024;

    /// <summary>The standard set: 1 GiB random, 1 GiB mixed, 8 GiB sparse with 512 MiB of data; scaled down by <paramref name="scale"/>.</summary>
    public static IReadOnlyList<ImageSpec> Standard(int scale) =>
    [
        new("random", ImageKind.Random, (1L << 30) / scale, 0),
        new("mixed", ImageKind.Mixed, (1L << 30) / scale, 0),
        new("sparse", ImageKind.Sparse, (8L << 30) / scale, 256 / scale),
    ];

    /// <summary>Issue 2's memory check: an 8 GiB sparse volume holding 1 GiB of data.</summary>
    public static ImageSpec Memory(int scale) => new("sparse-1g", ImageKind.Sparse, (8L << 30) / scale, 512 / scale);

    /// <summary>Bytes of data the backup must read (all of it unless the image is sparse).</summary>
    public long DataBytes => Kind == ImageKind.Sparse ? (long)DataBlocks * BlockSize : Size;
}
