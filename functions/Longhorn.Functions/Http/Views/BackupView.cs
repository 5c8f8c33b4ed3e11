using Longhorn.Functions.Resources;

namespace Longhorn.Functions.Http.Views;

/// <summary>A backup as the API shows it (Longhorn's backup resource fields).</summary>
public sealed record BackupView(
    string Name, string State, int Progress, string Url, string SnapshotName, string SnapshotCreated, string Created, long Size,
    IReadOnlyDictionary<string, string> Labels, string BackupMode, IReadOnlyDictionary<string, string> Messages, string VolumeName, long VolumeSize,
    string VolumeCreated, string CompressionMethod, long NewlyUploadDataSize, long ReUploadedDataSize, string Error, string BackupTargetName,
    string BlockSize, string OwnerID, string ResourceVersion, DateTimeOffset? CreationTimestamp, DateTimeOffset? DeletionTimestamp)
{
    public static BackupView From(Backup b) => new(
        b.Name, b.Status.State, b.Status.Progress, b.Status.Url,
        b.Spec.SnapshotName.Length > 0 ? b.Spec.SnapshotName : b.Status.SnapshotName,
        b.Status.SnapshotCreatedAt, b.Status.BackupCreatedAt, b.Status.Size,
        b.Status.Labels.Count > 0 ? b.Status.Labels : b.Spec.Labels, b.Spec.BackupMode, b.Status.Messages,
        b.Status.VolumeName.Length > 0 ? b.Status.VolumeName : b.Metadata.Labels.GetValueOrDefault(LonghornLabels.BackupVolume, ""),
        b.Status.VolumeSize, b.Status.VolumeCreated, b.Status.CompressionMethod, b.Status.NewlyUploadDataSize, b.Status.ReUploadedDataSize,
        b.Status.Error,
        b.Status.BackupTargetName.Length > 0 ? b.Status.BackupTargetName : b.Metadata.Labels.GetValueOrDefault(LonghornLabels.BackupTarget, ""),
        b.Spec.BackupBlockSize, b.Status.OwnerID, b.Metadata.ResourceVersion, b.Metadata.CreationTimestamp, b.Metadata.DeletionTimestamp);
}
