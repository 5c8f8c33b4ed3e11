namespace Longhorn.Functions.Resources;

/// <summary>A Longhorn volume (backup-relevant fields), backed here by one simulated replica.</summary>
public sealed record Volume : Resource, IResourceKind
{
    public static string KindName => "Volume";
    public override string Kind => KindName;
    public VolumeSpec Spec { get; init; } = new();
    public VolumeStatus Status { get; init; } = new();
}

public sealed record VolumeSpec
{
    public long Size { get; init; }
    public string FromBackup { get; init; } = "";

    /// <summary><c>vol://&lt;volume&gt;</c> or <c>snap://&lt;volume&gt;/&lt;snapshot&gt;</c>: the volume was cloned from it.</summary>
    public string DataSource { get; init; } = "";
    public string RestoreVolumeRecurringJob { get; init; } = "ignored";

    [System.Text.Json.Serialization.JsonPropertyName("Standby")]
    public bool Standby { get; init; }

    public string BackupCompressionMethod { get; init; } = "lz4";
    public string BackupBlockSize { get; init; } = "2097152";
    public string BackupTargetName { get; init; } = BackupTarget.DefaultName;
    public string StorageClassName { get; init; } = "";
    public int SnapshotMaxCount { get; init; }
}

public sealed record VolumeStatus
{
    public string OwnerID { get; init; } = "";
    public string State { get; init; } = VolumeStates.Creating;
    public string Robustness { get; init; } = "unknown";
    public string LastBackup { get; init; } = "";
    public string LastBackupAt { get; init; } = "";
    public bool RestoreRequired { get; init; }
    public bool RestoreInitiated { get; init; }
    public bool IsStandby { get; init; }

    /// <summary>A standby volume asked to become a normal one (POST /api/volumes/{name}/activate): done once its last backup is restored.</summary>
    public bool ActivationRequested { get; init; }
    public RestoreStatus? RestoreStatus { get; init; }
}

/// <summary>The volume's restore as the engine reports it (Longhorn's per-replica RestoreStatus, one replica here).</summary>
public sealed record RestoreStatus
{
    public string Replica { get; init; } = "";
    public bool IsRestoring { get; init; }

    /// <summary>The last backup restored completely; an incremental (DR) restore starts from it.</summary>
    public string LastRestored { get; init; } = "";

    public string CurrentRestoringBackup { get; init; } = "";
    public int Progress { get; init; }
    public string Error { get; init; } = "";
    public string State { get; init; } = "";
    public string BackupURL { get; init; } = "";
}

/// <summary>Volume states (Longhorn's VolumeState).</summary>
public static class VolumeStates
{
    public const string Creating = "creating";
    public const string Attached = "attached";
    public const string Detached = "detached";
    public const string Deleting = "deleting";
}
