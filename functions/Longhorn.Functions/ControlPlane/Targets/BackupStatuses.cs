using Longhorn.Engine.Inventory;
using Longhorn.Functions.Resources;

namespace Longhorn.Functions.ControlPlane.Targets;

/// <summary>A Completed backup's status as the store describes it (Longhorn's "sync from remote" branch).</summary>
public static class BackupStatuses
{
    public static BackupStatus FromStore(BackupInfo info, string targetName, string ownerId, DateTimeOffset now, BackupStatus? current = null)
    {
        var labels = new Dictionary<string, string>(info.Labels ?? new Dictionary<string, string>(), StringComparer.Ordinal);
        labels.Remove("VolumeRecurringJobInfo");
        return (current ?? new BackupStatus()) with
        {
            OwnerID = ownerId,
            State = BackupStates.Completed,
            Progress = 100,
            Error = "",
            Url = info.Url,
            SnapshotName = info.SnapshotName,
            SnapshotCreatedAt = info.SnapshotCreated,
            BackupCreatedAt = info.Created,
            Size = info.Size,
            Labels = labels,
            Messages = new Dictionary<string, string>(info.Messages),
            VolumeName = info.VolumeName,
            VolumeSize = info.VolumeSize,
            VolumeCreated = info.VolumeCreated,
            LastSyncedAt = now,
            CompressionMethod = info.CompressionMethod,
            NewlyUploadDataSize = info.NewlyUploadedDataSize,
            ReUploadedDataSize = info.ReUploadedDataSize,
            BackupTargetName = targetName,
        };
    }
}
