namespace Longhorn.Functions.Resources;

/// <summary>A backup of the cluster's Longhorn resources to the default target (lhsb), with the volume backups its policy asks for.</summary>
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

/// <summary>Longhorn's SystemBackupState values and the reasons of its Error condition.</summary>
public static class SystemBackupStates
{
    public const string New = "";
    public const string Syncing = "Syncing";
    public const string CreatingVolumeBackups = "CreatingVolumeBackups";
    public const string CreatingBackingImageBackups = "CreatingBackingImageBackups";
    public const string Generating = "Generating";
    public const string Uploading = "Uploading";
    public const string Ready = "Ready";
    public const string Error = "Error";
    public const string Deleting = "Deleting";

    public const string ReasonGenerate = "Generate";
    public const string ReasonUpload = "Upload";
    public const string ReasonSync = "Sync";
    public const string ReasonDelete = "Delete";

    public static bool IsFinal(string state) => state is Ready or Error;
}

/// <summary>The volume backup policies of a system backup.</summary>
public static class VolumeBackupPolicies
{
    public const string IfNotPresent = "if-not-present";
    public const string Always = "always";
    public const string Disabled = "disabled";

    public static bool IsValid(string policy) => policy is IfNotPresent or Always or Disabled;
}
