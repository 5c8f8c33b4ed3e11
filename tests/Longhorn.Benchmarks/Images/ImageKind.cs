namespace Longhorn.Benchmarks.Images;

/// <summary>The benchmark's volume images, each generated from a fixed seed.</summary>
public enum ImageKind
{
    /// <summary>Incompressible: every byte from a seeded PRNG.</summary>
    Random,

    /// <summary>Compressible: text, structured binary, zero runs and random bytes mixed within each block.</summary>
    Mixed,

    /// <summary>Large apparent size with scattered 2 MiB blocks of random data and holes elsewhere.</summary>
    Sparse,
}
