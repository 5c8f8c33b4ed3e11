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
    string VolumeCreated);

/// <summary>One volume of a store listing: its backup names (cfgs are not read), or an error when volume.cfg is missing.</summary>
public sealed record VolumeListing(string Name, IReadOnlyList<string> BackupNames, string? Error);
