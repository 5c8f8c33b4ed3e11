using Longhorn.Functions.Resources;

namespace Longhorn.Functions.Http.Views;

/// <summary>A backup target as the API shows it; pollInterval in seconds.</summary>
public sealed record BackupTargetView(
    string Name, string BackupTargetURL, string CredentialSecret, long PollInterval, bool Available, string Message,
    DateTimeOffset? LastSyncedAt, DateTimeOffset? SyncRequestedAt, string ResourceVersion)
{
    public static BackupTargetView From(BackupTarget t) => new(
        t.Name, t.Spec.BackupTargetURL, t.Spec.CredentialSecret, t.Spec.PollInterval, t.Status.Available,
        t.Status.Conditions.FirstOrDefault(c => c.Type == "Unavailable")?.Message ?? "", t.Status.LastSyncedAt, t.Spec.SyncRequestedAt,
        t.Metadata.ResourceVersion);
}

/// <summary>A backup volume as the API shows it (Longhorn's backupVolume fields).</summary>
public sealed record BackupVolumeView(
    string Name, long Size, IReadOnlyDictionary<string, string> Labels, string Created, string LastBackupName, string LastBackupAt, long DataStored,
    IReadOnlyDictionary<string, string> Messages, string StorageClassName, string BackupTargetName, string VolumeName, DateTimeOffset? LastSyncedAt,
    DateTimeOffset? SyncRequestedAt, DateTimeOffset? DeletionTimestamp, string ResourceVersion)
{
    public static BackupVolumeView From(BackupVolume b) => new(
        b.Name, b.Status.Size, b.Status.Labels, b.Status.CreatedAt, b.Status.LastBackupName, b.Status.LastBackupAt, b.Status.DataStored,
        b.Status.Messages, b.Status.StorageClassName, b.Spec.BackupTargetName, b.Spec.VolumeName, b.Status.LastSyncedAt, b.Spec.SyncRequestedAt,
        b.Metadata.DeletionTimestamp, b.Metadata.ResourceVersion);
}

/// <summary>A secret without its values.</summary>
public sealed record SecretView(string Name, IReadOnlyList<string> Keys, string ResourceVersion)
{
    public static SecretView From(Secret s) => new(s.Name, s.Data.Keys.Order(StringComparer.Ordinal).ToList(), s.Metadata.ResourceVersion);
}
