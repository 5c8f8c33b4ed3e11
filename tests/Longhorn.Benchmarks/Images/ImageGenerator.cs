using System.Text;

namespace Longhorn.Benchmarks.Images;

/// <summary>Writes an image's data blocks, deterministically from the image's seed, one 2 MiB block at a time.</summary>
public sealed class ImageGenerator
{
    private static readonly string[] Words =
    [
        "longhorn", "volume", "replica", "snapshot", "backup", "restore", "block", "engine", "kubernetes", "storage",
        "the", "of", "and", "to", "in", "is", "for", "with", "on", "that", "node", "disk", "pod", "controller",
        "func", "return", "error", "string", "int64", "struct", "import", "package", "nil", "err", "if", "else",
    ];

    private readonly ImageSpec _spec;
    private readonly int _seed;

    public ImageGenerator(ImageSpec spec, int seed)
    {
        _spec = spec;
        _seed = seed;
    }

    /// <summary>The offsets of the blocks that hold data, ascending: every block, or a seeded sample for sparse images.</summary>
    public IReadOnlyList<long> DataOffsets()
    {
        var blocks = _spec.Size / ImageSpec.BlockSize;
        if (_spec.Kind != ImageKind.Sparse)
            return Enumerable.Range(0, (int)blocks).Select(i => (long)i * ImageSpec.BlockSize).ToList();
        var random = new Random(_seed);
        var slots = Enumerable.Range(0, (int)blocks).ToArray();
        random.Shuffle(slots);
        return slots.Take(_spec.DataBlocks).Order().Select(i => (long)i * ImageSpec.BlockSize).ToList();
    }

    /// <summary>Fills <paramref name="block"/> with the data of the block at <paramref name="offset"/>.</summary>
    public void Fill(long offset, Span<byte> block)
    {
        var random = new Random(HashCode.Combine(_seed, offset));
        switch (_spec.Kind)
        {
            case ImageKind.Random or ImageKind.Sparse:
                random.NextBytes(block);
                break;
            case ImageKind.Mixed:
                FillMixed(random, block);
                break;
        }
    }

    private static void FillMixed(Random random, Span<byte> block)
    {
        // 64 KiB pieces: about 40 % text, 25 % structured binary, 15 % zeros, 20 % random, so lz4 stores about half.
        const int Piece = 64 * 1024;
        var text = new StringBuilder(Piece + 64);
        Span<byte> symbols = stackalloc byte[16];
        for (var at = 0; at < block.Length; at += Piece)
        {
            var piece = block.Slice(at, Math.Min(Piece, block.Length - at));
            var roll = random.Next(100);
            if (roll < 40)
            {
                text.Clear();
                while (text.Length < piece.Length)
                    text.Append(Words[random.Next(Words.Length)]).Append(random.Next(8) == 0 ? '\n' : ' ');
                Encoding.ASCII.GetBytes(text.ToString(0, piece.Length), piece);
            }
            else if (roll < 65)
            {
                random.NextBytes(symbols);
                for (var i = 0; i < piece.Length; i++) piece[i] = random.Next(4) == 0 ? (byte)random.Next(256) : symbols[i % 16];
            }
            else if (roll < 80) piece.Clear();
            else random.NextBytes(piece);
        }
    }
}
