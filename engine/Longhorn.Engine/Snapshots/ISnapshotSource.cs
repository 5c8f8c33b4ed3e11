namespace Longhorn.Engine.Snapshots;

/// <summary>A volume's snapshots as the backup engine sees them (Longhorn's DeltaBlockBackupOperations).</summary>
public interface ISnapshotSource
{
    /// <summary>The volume's current size in bytes.</summary>
    long VolumeSize { get; }

    /// <summary>Whether the snapshot still exists locally (a base whose snapshot is gone forces a full backup).</summary>
    ValueTask<bool> HasSnapshotAsync(string snapshotName, CancellationToken cancellationToken);

    /// <summary>Opens a snapshot for diffing and reading; throws when it does not exist.</summary>
    ValueTask<ISnapshotReader> OpenSnapshotAsync(string snapshotName, CancellationToken cancellationToken);
}

/// <summary>An opened snapshot: its changed blocks against an older snapshot, and its data.</summary>
public interface ISnapshotReader : IAsyncDisposable
{
    /// <summary>
    /// The block-aligned blocks of <paramref name="blockSize"/> holding data written after
    /// <paramref name="baseSnapshotName"/> (null: since the volume was created), ascending, without duplicates.
    /// Found from allocation, never by content: a written all-zero block counts, a hole does not.
    /// Throws <see cref="SnapshotNotInChainException"/> when the base is not an ancestor of this snapshot.
    /// </summary>
    ValueTask<IReadOnlyList<BlockMapping>> CompareAsync(string? baseSnapshotName, long blockSize, CancellationToken cancellationToken);

    /// <summary>Fills <paramref name="buffer"/> with the snapshot's bytes at <paramref name="offset"/>; safe to call concurrently.</summary>
    ValueTask ReadAsync(long offset, Memory<byte> buffer, CancellationToken cancellationToken);
}
