namespace Longhorn.Functions.Resources;

/// <summary>One backup of a volume's snapshot (lhb): created locally as <c>backup-&lt;16 hex&gt;</c> or pulled from the store.</summary>
public sealed record Backup : Resource, IResourceKind
{
    public static string KindName => "Backup";
    public override string Kind => KindName;
    public BackupSpec Spec { get; init; } = new();
    public BackupStatus Status { get; init; } = new();

    /// <summary>Made by this control plane (it names a snapshot) rather than pulled from the store.</summary>
    [System.Text.Json.Serialization.JsonIgnore]
    public bool IsLocal => Spec.SnapshotName.Length > 0;
}

public sealed record BackupSpec
{
    public DateTimeOffset? SyncRequestedAt { get; init; }
    public string SnapshotName { get; init; } = "";
    public IReadOnlyDictionary<string, string> Labels { get; init; } = new Dictionary<string, string>();

    /// <summary><c>full</c> or <c>incremental</c>.</summary>
    public string BackupMode { get; init; } = BackupModes.Incremental;

    /// <summary>Bytes as a string: <c>2097152</c>, <c>16777216</c>, or <c>-1</c> for invalid.</summary>
    public string BackupBlockSize { get; init; } = "2097152";
}

public sealed record BackupStatus
{
    public string OwnerID { get; init; } = "";
    public string State { get; init; } = BackupStates.New;
    public int Progress { get; init; }
    public string ReplicaAddress { get; init; } = "";
    public string Error { get; init; } = "";
    public string Url { get; init; } = "";
    public string SnapshotName { get; init; } = "";
    public string SnapshotCreatedAt { get; init; } = "";
    public string BackupCreatedAt { get; init; } = "";
    public long Size { get; init; }
    public IReadOnlyDictionary<string, string> Labels { get; init; } = new Dictionary<string, string>();
    public IReadOnlyDictionary<string, string> Messages { get; init; } = new Dictionary<string, string>();
    public string VolumeName { get; init; } = "";
    public long VolumeSize { get; init; }
    public string VolumeCreated { get; init; } = "";
    public string VolumeBackingImageName { get; init; } = "";
    public DateTimeOffset? LastSyncedAt { get; init; }
    public string CompressionMethod { get; init; } = "";
    public long NewlyUploadDataSize { get; init; }
    public long ReUploadedDataSize { get; init; }
    public string BackupTargetName { get; init; } = "";
}

/// <summary>Longhorn's BackupState values; Completed, Error, Unknown and Deleting are final.</summary>
public static class BackupStates
{
    public const string New = "";
    public const string Pending = "Pending";
    public const string InProgress = "InProgress";
    public const string Completed = "Completed";
    public const string Error = "Error";
    public const string Unknown = "Unknown";
    public const string Deleting = "Deleting";

    public static bool IsFinal(string state) => state is Completed or Error or Unknown or Deleting;
}

/// <summary>The backup modes a backup request may ask for.</summary>
public static class BackupModes
{
    public const string Full = "full";
    public const string Incremental = "incremental";
}

/// <summary>Keys of a backup's status messages.</summary>
public static class BackupMessages
{
    public const string Info = "info";
    public const string Error = "error";

    /// <summary>Set when the backup failed on a bug rather than an expected failure; the host log holds the stack.</summary>
    public const string InternalError = "internalError";
}
