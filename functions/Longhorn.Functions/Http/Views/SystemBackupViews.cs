using Longhorn.Functions.Resources;

namespace Longhorn.Functions.Http.Views;

/// <summary>A system backup as Longhorn's API shows it (name, volumeBackupPolicy, version, managerImage, state, createdAt, error) plus its status.</summary>
public sealed record SystemBackupView(
    string Name, string VolumeBackupPolicy, string Version, string GitCommit, string ManagerImage, string State, DateTimeOffset? CreatedAt,
    DateTimeOffset? LastSyncedAt, string Error, IReadOnlyList<Condition> Conditions, IReadOnlyDictionary<string, string> Labels, string ResourceVersion)
{
    public static SystemBackupView From(SystemBackup s) => new(
        s.Name, s.Spec.VolumeBackupPolicy, s.Status.Version, s.Status.GitCommit, s.Status.ManagerImage, s.Status.State, s.Status.CreatedAt,
        s.Status.LastSyncedAt, s.Status.Conditions.FirstOrDefault(c => c.Type == "Error")?.Message ?? "", s.Status.Conditions, s.Metadata.Labels,
        s.Metadata.ResourceVersion);
}

/// <summary>A system restore: its system backup, state, source URL and error.</summary>
public sealed record SystemRestoreView(
    string Name, string SystemBackup, string State, string SourceURL, string Error, IReadOnlyList<Condition> Conditions, string ResourceVersion)
{
    public static SystemRestoreView From(SystemRestore r) => new(
        r.Name, r.Spec.SystemBackup, r.Status.State, r.Status.SourceURL, r.Status.Conditions.FirstOrDefault(c => c.Type == "Error")?.Message ?? "",
        r.Status.Conditions, r.Metadata.ResourceVersion);
}
