namespace Longhorn.Functions.Resources;

/// <summary>Where backups go (lhbt); the target named <c>default</c> always exists.</summary>
public sealed record BackupTarget : Resource, IResourceKind
{
    public const string DefaultName = "default";
    public static string KindName => "BackupTarget";
    public override string Kind => KindName;
    public BackupTargetSpec Spec { get; init; } = new();
    public BackupTargetStatus Status { get; init; } = new();
}

public sealed record BackupTargetSpec
{
    public string BackupTargetURL { get; init; } = "";
    public string CredentialSecret { get; init; } = "";

    /// <summary>Seconds between polls of the store; 0 disables polling (and the failed-backup TTL). Stored as Longhorn does: <c>5m0s</c>.</summary>
    [System.Text.Json.Serialization.JsonConverter(typeof(GoDurationSecondsConverter))]
    public long PollInterval { get; init; } = 300;

    public DateTimeOffset? SyncRequestedAt { get; init; }
}

public sealed record BackupTargetStatus
{
    public string OwnerID { get; init; } = "";
    public bool Available { get; init; }
    public IReadOnlyList<Condition> Conditions { get; init; } = [];
    public DateTimeOffset? LastSyncedAt { get; init; }
}

/// <summary>A status condition (type Unavailable on targets).</summary>
public sealed record Condition(string Type, string Status, string Reason, string Message, DateTimeOffset LastTransitionTime);
