using Longhorn.Engine.Blocks;
using Longhorn.Engine.Format;

namespace Longhorn.Engine.Backups;

/// <summary>What to back up and how (the engine's backup create call with the manager's parameters).</summary>
public sealed record BackupRequest
{
    public required string VolumeName { get; init; }
    public required string SnapshotName { get; init; }

    /// <summary>The backup's name; generated as <c>backup-&lt;16 hex&gt;</c> when absent.</summary>
    public string? BackupName { get; init; }

    /// <summary>Used only when the backup volume is created; afterwards the stored method wins.</summary>
    public CompressionMethod Compression { get; init; } = CompressionMethod.Lz4;

    public long BlockSize { get; init; } = BlockSizes.Default;

    /// <summary>Full mode: back up every block of the snapshot and re-upload blocks already in the store.</summary>
    public bool FullBackup { get; init; }

    public IReadOnlyDictionary<string, string>? Labels { get; init; }
    public string StorageClassName { get; init; } = "";
    public string BackingImageName { get; init; } = "";
    public string BackingImageChecksum { get; init; } = "";
}

/// <summary>A completed backup: its name, its URL and the cfg written for it.</summary>
/// <param name="Info">The backup as <see cref="BackupStore.InspectBackupAsync"/> would report it, from what the backup wrote.</param>
/// <param name="Volume">The backup volume as <see cref="BackupStore.InspectVolumeAsync"/> would report it right after, from the
/// volume.cfg the backup wrote: a caller need not read the store again to show it.</param>
public sealed record BackupResult(string BackupName, string Url, BackupConfig Config, long NewBlockCount, Inventory.BackupInfo Info,
    Inventory.VolumeInfo Volume);
