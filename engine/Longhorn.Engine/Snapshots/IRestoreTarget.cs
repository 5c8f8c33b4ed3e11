namespace Longhorn.Engine.Snapshots;

/// <summary>Where a restore writes a volume image: a file, or a fresh replica snapshot.</summary>
public interface IRestoreTarget
{
    /// <summary>Creates the target empty (sparse) with the given size, replacing anything there before.</summary>
    ValueTask PrepareAsync(long size, CancellationToken cancellationToken);

    /// <summary>Writes whole blocks at their offsets; safe to call concurrently for distinct offsets.</summary>
    ValueTask WriteAsync(long offset, ReadOnlyMemory<byte> data, CancellationToken cancellationToken);

    /// <summary>Makes a range read as zeros and count as written (an incremental restore's dropped block).</summary>
    ValueTask FillZerosAsync(long offset, long length, CancellationToken cancellationToken);
}
