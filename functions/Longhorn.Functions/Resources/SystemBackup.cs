namespace Longhorn.Functions.Resources;

/// <summary>A backup of the control plane's resources (lhsb); stored and listed, not yet produced by this host.</summary>
public sealed record SystemBackup : Resource, IResourceKind
{
    public static string KindName => "SystemBackup";
    public override string Kind => KindName;
    public SystemBackupSpec Spec { get; init; } = new();
    public SystemBackupStatus Status { get; init; } = new();
}

public sealed record SystemBackupSpec
{
    public string VolumeBackupPolicy { get; init; } = "if-not-present";
}

public sealed record SystemBackupStatus
{
    public string OwnerID { get; init; } = "";
    public string Version { get; init; } = "";
    public string GitCommit { get; init; } = "";
    public string ManagerImage { get; init; } = "";
    public string State { get; init; } = "";
    public IReadOnlyList<Condition> Conditions { get; init; } = [];
    public DateTimeOffset? CreatedAt { get; init; }
    public DateTimeOffset? LastSyncedAt { get; init; }
}
