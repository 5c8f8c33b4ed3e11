namespace Longhorn.Engine.Inventory;

/// <summary>A backup volume as inspect reports it (Longhorn's VolumeInfo); DataStored is BlockCount × 2 MiB, as Go reports it.</summary>
public sealed record VolumeInfo(
    string Name,
    long Size,
    IReadOnlyDictionary<string, string>? Labels,
    string Created,
    string LastBackupName,
    string LastBackupAt,
    long BlockCount,
    long DataStored,
    string CompressionMethod,
    string StorageClassName,
    string DataEngine,
    string BackingImageName,
    string BackingImageChecksum);

/// <summary>A completed backup as inspect reports it (Longhorn's BackupInfo).</summary>
public sealed record BackupInfo(
    string Name,
    string Url,
    string VolumeName,
    string SnapshotName,
    string SnapshotCreated,
    string Created,
    long Size,
    IReadOnlyDictionary<string, string>? Labels,
    IReadOnlyDictionary<string, string>? Parameters,
    bool IsIncremental,
    string CompressionMethod,
    long NewlyUploadedDataSize,
    long ReUploadedDataSize,
    long BlockSize,
    long VolumeSize,
    string VolumeCreated)
{
    /// <summary>The <see cref="Messages"/> key of a note that the cfg's own names disagree with its file and folder.</summary>
    public const string WarningMessage = "warning";

    /// <summary>Longhorn's BackupInfo.Messages: what the reader noticed about the cfg (empty when nothing).</summary>
    public IReadOnlyDictionary<string, string> Messages { get; init; } = new Dictionary<string, string>();
}

/// <summary>One volume of a store listing: its backup names (cfgs are not read), and an error when volume.cfg is missing.</summary>
public sealed record VolumeListing(string Name, IReadOnlyList<string> BackupNames, string? Error);
