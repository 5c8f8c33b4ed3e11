namespace Longhorn.Functions.Resources;

/// <summary>A restore of the cluster's resources from a system backup (lhsr).</summary>
public sealed record SystemRestore : Resource, IResourceKind
{
    public static string KindName => "SystemRestore";
    public override string Kind => KindName;
    public SystemRestoreSpec Spec { get; init; } = new();
    public SystemRestoreStatus Status { get; init; } = new();
}

public sealed record SystemRestoreSpec
{
    public string SystemBackup { get; init; } = "";
}

public sealed record SystemRestoreStatus
{
    public string OwnerID { get; init; } = "";
    public string State { get; init; } = "";
    public string SourceURL { get; init; } = "";
    public IReadOnlyList<Condition> Conditions { get; init; } = [];
}

/// <summary>Longhorn's SystemRestoreState values.</summary>
public static class SystemRestoreStates
{
    public const string New = "";
    public const string Pending = "Pending";
    public const string Initializing = "Initializing";
    public const string Downloading = "Downloading";
    public const string Unpacking = "Unpacking";
    public const string Restoring = "Restoring";
    public const string Completed = "Completed";
    public const string Error = "Error";
    public const string Deleting = "Deleting";
}
