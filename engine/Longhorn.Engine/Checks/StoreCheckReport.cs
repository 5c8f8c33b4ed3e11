namespace Longhorn.Engine.Checks;

/// <summary>
/// What a store check found. The store is consistent when every cfg parses and every block a completed backup references
/// is present (and, when read, decodes to its id); orphan blocks, in-progress backups, stale locks and temp files are
/// leftovers to know about, not damage.
/// </summary>
public sealed record StoreCheckReport
{
    /// <summary>The target URL of the store checked.</summary>
    public required string BackupTargetUrl { get; init; }
    public string? VolumeName { get; init; }
    public bool ReadData { get; init; }
    public bool Prune { get; init; }

    public int VolumesChecked { get; init; }
    /// <summary>Completed backups whose cfg parsed.</summary>
    public int BackupsChecked { get; init; }
    /// <summary>Block objects listed under the volumes' <c>blocks/</c>.</summary>
    public int BlocksChecked { get; init; }
    /// <summary>Blocks read, decoded and compared with their id (with <see cref="ReadData"/> only).</summary>
    public int BlocksRead { get; init; }

    public IReadOnlyList<UnreadableConfig> UnreadableConfigs { get; init; } = [];
    public IReadOnlyList<MissingBlock> MissingBlocks { get; init; } = [];
    public IReadOnlyList<CorruptBlock> CorruptBlocks { get; init; } = [];
    public IReadOnlyList<OrphanBlock> OrphanBlocks { get; init; } = [];
    public IReadOnlyList<InProgressBackup> InProgressBackups { get; init; } = [];
    public IReadOnlyList<StaleLock> StaleLocks { get; init; } = [];
    public IReadOnlyList<TempFile> TempFiles { get; init; } = [];
    /// <summary>One entry per volume a prune was tried on (volumes with orphan blocks).</summary>
    public IReadOnlyList<PruneOutcome> Pruned { get; init; } = [];

    public bool IsConsistent => UnreadableConfigs.Count == 0 && MissingBlocks.Count == 0 && CorruptBlocks.Count == 0;
}

/// <summary>A volume.cfg, backup cfg or lock file that is missing, does not parse, or holds a value Longhorn cannot use.</summary>
public sealed record UnreadableConfig(string Volume, string Path, string Reason);

/// <summary>A block that completed backups reference and the store does not hold.</summary>
public sealed record MissingBlock(string Volume, string Checksum, string Path, IReadOnlyList<string> ReferencedBy);

/// <summary>A referenced block that cannot be read or decoded, or whose content does not hash to its id.</summary>
public sealed record CorruptBlock(string Volume, string Checksum, string Path, string Reason, IReadOnlyList<string> ReferencedBy);

/// <summary>A block no backup cfg references; <see cref="Removed"/> when the prune removed it.</summary>
public sealed record OrphanBlock(string Volume, string Checksum, string Path, bool Removed);

/// <summary>A backup cfg without CreatedTime: a backup being written, or one whose writer died (it stops block GC until removed).</summary>
public sealed record InProgressBackup(string Volume, string Name, string Path, DateTimeOffset? ModifiedAt);

/// <summary>A lock file older than the lock expiry: other writers ignore it, and only its own writer removes it.</summary>
public sealed record StaleLock(string Volume, string Path, string Name, int Type, bool Acquired, DateTimeOffset ModifiedAt);

/// <summary>A filesystem store's temp file (<c>&lt;object&gt;.tmp.&lt;n&gt;</c>): a write in flight, or one a killed writer left.</summary>
public sealed record TempFile(string Volume, string Path, DateTimeOffset? ModifiedAt);

/// <summary>How a volume's prune went: the blocks it removed, or why it kept every block (a GC abort rule, a conflicting lock).</summary>
public sealed record PruneOutcome(string Volume, int RemovedBlockCount, string? Skipped);
