using System.Buffers;
using Longhorn.Simulator.Replicas;

namespace Longhorn.Benchmarks.Images;

/// <summary>
/// An image on disk in two forms: a plain sparse file (for the peers, the floor and checks) and a simulated replica
/// with snapshot <c>snap1</c> holding the same bytes and <c>snap2</c> with 1 % of the data blocks changed.
/// </summary>
public sealed class PreparedImage
{
    public const string FirstSnapshot = "snap1";
    public const string ChangedSnapshot = "snap2";
    private const int Version = 1;

    private PreparedImage(ImageSpec spec, string directory, IReadOnlyList<long> dataOffsets, int changedBlocks)
    {
        Spec = spec;
        Directory = directory;
        DataOffsets = dataOffsets;
        ChangedBlocks = changedBlocks;
    }

    public ImageSpec Spec { get; }
    public string Directory { get; }
    public string ImagePath => Path.Combine(Directory, "image.img");
    public string ReplicaPath => Path.Combine(Directory, "replica");
    public IReadOnlyList<long> DataOffsets { get; }
    public int ChangedBlocks { get; }

    /// <summary>Generates the image and its replica under <paramref name="workDirectory"/>, reusing a complete earlier one.</summary>
    public static async Task<PreparedImage> PrepareAsync(ImageSpec spec, string workDirectory, Action<string> log)
    {
        var directory = Path.Combine(workDirectory, "images", spec.Name);
        var generator = new ImageGenerator(spec, seed: 1000 + (int)spec.Kind);
        var offsets = generator.DataOffsets();
        var changed = Math.Max(1, (offsets.Count + 99) / 100);
        var marker = Path.Combine(directory, "complete");
        var stamp = $"v{Version} {spec}";
        var image = new PreparedImage(spec, directory, offsets, changed);
        if (File.Exists(marker) && File.ReadAllText(marker) == stamp) return image;

        log($"generating {spec.Name}: {spec.Size >> 20} MiB apparent, {spec.DataBytes >> 20} MiB of data");
        if (System.IO.Directory.Exists(directory)) System.IO.Directory.Delete(directory, recursive: true);
        System.IO.Directory.CreateDirectory(directory);
        var block = ArrayPool<byte>.Shared.Rent(ImageSpec.BlockSize);
        try
        {
            await using var replica = Replica.Create(image.ReplicaPath, spec.Size);
            using (var file = File.OpenHandle(image.ImagePath, FileMode.CreateNew, FileAccess.Write))
            {
                RandomAccess.SetLength(file, spec.Size);
                foreach (var offset in offsets)
                {
                    var data = block.AsMemory(0, ImageSpec.BlockSize);
                    generator.Fill(offset, data.Span);
                    RandomAccess.Write(file, data.Span, offset);
                    await replica.WriteAsync(offset, data);
                }
            }
            await replica.CreateSnapshotAsync(FirstSnapshot);

            // 1 % of the data blocks change: 1 MiB written at a 4 KiB-aligned offset inside each chosen block.
            var random = new Random(101);
            var chosen = offsets.ToArray();
            random.Shuffle(chosen);
            var change = block.AsMemory(0, 1 << 20);
            foreach (var offset in chosen.Take(changed))
            {
                random.NextBytes(change.Span);
                await replica.WriteAsync(offset + random.Next(256) * 4096L, change);
            }
            await replica.CreateSnapshotAsync(ChangedSnapshot);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(block);
        }
        await File.WriteAllTextAsync(marker, stamp);
        return image;
    }
}
