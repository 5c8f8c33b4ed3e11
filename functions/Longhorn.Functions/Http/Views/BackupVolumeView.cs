using Longhorn.Functions.Resources;

namespace Longhorn.Functions.Http.Views;

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
