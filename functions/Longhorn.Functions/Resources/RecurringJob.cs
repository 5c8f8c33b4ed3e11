namespace Longhorn.Functions.Resources;

/// <summary>A scheduled task over the volumes that carry its job or group label (lhrj).</summary>
public sealed record RecurringJob : Resource, IResourceKind
{
    public static string KindName => "RecurringJob";
    public override string Kind => KindName;
    public RecurringJobSpec Spec { get; init; } = new();
    public RecurringJobStatus Status { get; init; } = new();
}

public sealed record RecurringJobSpec
{
    /// <summary>Volumes a job works on at once when the user gives no concurrency (Longhorn's default).</summary>
    public const int DefaultConcurrency = 10;

    public string Name { get; init; } = "";
    public IReadOnlyList<string> Groups { get; init; } = [];
    public string Task { get; init; } = "";
    public string Cron { get; init; } = "";
    public int Retain { get; init; }

    /// <summary>A Go duration such as <c>24h</c>; <c>0s</c> when unused.</summary>
    public string RetainAge { get; init; } = "0s";

    public string RetentionPolicy { get; init; } = RetentionPolicies.CountBased;
    public int Concurrency { get; init; }
    public IReadOnlyDictionary<string, string> Labels { get; init; } = new Dictionary<string, string>();
    public IReadOnlyDictionary<string, string> Parameters { get; init; } = new Dictionary<string, string>();
}

public sealed record RecurringJobStatus
{
    public string OwnerID { get; init; } = "";
    public int ExecutionCount { get; init; }
}

/// <summary>The tasks a recurring job may run.</summary>
public static class RecurringJobTasks
{
    public const string Snapshot = "snapshot";
    public const string SnapshotForceCreate = "snapshot-force-create";
    public const string SnapshotCleanup = "snapshot-cleanup";
    public const string SnapshotDelete = "snapshot-delete";
    public const string Backup = "backup";
    public const string BackupForceCreate = "backup-force-create";
    public const string FilesystemTrim = "filesystem-trim";
    public const string SystemBackup = "system-backup";

    public static readonly IReadOnlyList<string> All =
        [Snapshot, SnapshotForceCreate, SnapshotCleanup, SnapshotDelete, Backup, BackupForceCreate, FilesystemTrim, SystemBackup];

    public static bool IsBackup(string task) => task is Backup or BackupForceCreate;
    public static bool IsCleanup(string task) => task is SnapshotCleanup or SnapshotDelete or FilesystemTrim;
}

/// <summary>How a recurring job decides which of its snapshots and backups expire.</summary>
public static class RetentionPolicies
{
    public const string CountBased = "count-based";
    public const string AgeBased = "age-based";
}
