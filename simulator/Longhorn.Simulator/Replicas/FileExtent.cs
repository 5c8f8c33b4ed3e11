namespace Longhorn.Simulator.Replicas;

/// <summary>A byte range of a file, such as one allocated (data) extent of a sparse layer.</summary>
public readonly record struct FileExtent(long Offset, long Length)
{
    /// <summary>The first byte after the range.</summary>
    public long End => Offset + Length;
}
