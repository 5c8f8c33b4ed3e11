using Longhorn.Engine.Locks;

namespace Longhorn.Engine;

/// <summary>Tuning of backup, restore and lock behaviour; the defaults are Longhorn's.</summary>
public sealed record BackupStoreOptions
{
    public LockOptions Locks { get; init; } = new();

    /// <summary>Block workers per backup (Longhorn's backup-concurrent-limit, default 2).</summary>
    public int BackupConcurrency { get; init; } = 2;

    /// <summary>Block workers per restore (Longhorn's restore-concurrent-limit, default 2).</summary>
    public int RestoreConcurrency { get; init; } = 2;

    /// <summary>Waits between attempts to read a block on restore (Longhorn: 1 s, 5 s, 30 s, 1 min, 2 min, 5 min).</summary>
    public IReadOnlyList<TimeSpan> RestoreRetryDelays { get; init; } =
        [TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(5), TimeSpan.FromSeconds(30),
         TimeSpan.FromMinutes(1), TimeSpan.FromMinutes(2), TimeSpan.FromMinutes(5)];

    /// <summary>
    /// Whether LZ4 frames carry the XXH32 content checksum, as Go's writer does. Off by default: blocks are verified
    /// by their SHA-512 ids, and the checksum costs more than compressing incompressible data.
    /// </summary>
    public bool Lz4ContentChecksum { get; init; }
}
