namespace Longhorn.Functions.Resources;

/// <summary>A volume's backups in one target (lhbv), named <c>&lt;volume&gt;-&lt;sha256 prefix&gt;</c>.</summary>
public sealed record BackupVolume : Resource, IResourceKind
{
    public static string KindName => "BackupVolume";
    public override string Kind => KindName;
    public BackupVolumeSpec Spec { get; init; } = new();
    public BackupVolumeStatus Status { get; init; } = new();
}

public sealed record BackupVolumeSpec
{
    public string BackupTargetName { get; init; } = "";
    public string VolumeName { get; init; } = "";
    public DateTimeOffset? SyncRequestedAt { get; init; }
}

public sealed record BackupVolumeStatus
{
    public string OwnerID { get; init; } = "";
    public DateTimeOffset? LastModificationTime { get; init; }
    public long Size { get; init; }
    public IReadOnlyDictionary<string, string> Labels { get; init; } = new Dictionary<string, string>();
    public string CreatedAt { get; init; } = "";
    public string LastBackupName { get; init; } = "";
    public string LastBackupAt { get; init; } = "";
    public long DataStored { get; init; }
    public IReadOnlyDictionary<string, string> Messages { get; init; } = new Dictionary<string, string>();
    public string BackingImageName { get; init; } = "";
    public string BackingImageChecksum { get; init; } = "";
    public string StorageClassName { get; init; } = "";
    public DateTimeOffset? LastSyncedAt { get; init; }
}
