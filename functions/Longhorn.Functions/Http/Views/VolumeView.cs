using Longhorn.Functions.Resources;

namespace Longhorn.Functions.Http.Views;

/// <summary>A volume as the API shows it, with its restore state and recurring-job selector.</summary>
public sealed record VolumeView(
    string Name, long Size, IReadOnlyDictionary<string, string> Labels, string State, string Robustness, string FromBackup, string DataSource, bool Standby,
    bool ActivationRequested, bool RestoreRequired, bool RestoreInitiated, RestoreStatus? RestoreStatus, string LastBackup, string LastBackupAt, string BackupCompressionMethod,
    string BackupBlockSize, string BackupTargetName, string StorageClassName, IReadOnlyList<RecurringJobSelectorEntry> RecurringJobSelector,
    string ResourceVersion, DateTimeOffset? Created)
{
    public static VolumeView From(Volume v) => new(
        v.Name, v.Spec.Size, v.Metadata.Labels, v.Status.State, v.Status.Robustness, v.Spec.FromBackup, v.Spec.DataSource, v.Spec.Standby,
        v.Status.ActivationRequested, v.Status.RestoreRequired,
        v.Status.RestoreInitiated, v.Status.RestoreStatus, v.Status.LastBackup, v.Status.LastBackupAt, v.Spec.BackupCompressionMethod,
        v.Spec.BackupBlockSize, v.Spec.BackupTargetName, v.Spec.StorageClassName,
        v.Metadata.Labels.Keys
            .Select(k => k.StartsWith(LonghornLabels.RecurringJobPrefix, StringComparison.Ordinal)
                ? new RecurringJobSelectorEntry(k[LonghornLabels.RecurringJobPrefix.Length..], false)
                : k.StartsWith(LonghornLabels.RecurringJobGroupPrefix, StringComparison.Ordinal)
                    ? new RecurringJobSelectorEntry(k[LonghornLabels.RecurringJobGroupPrefix.Length..], true)
                    : null)
            .OfType<RecurringJobSelectorEntry>().ToList(),
        v.Metadata.ResourceVersion, v.Metadata.CreationTimestamp);
}

/// <summary>A job or group a volume belongs to.</summary>
public sealed record RecurringJobSelectorEntry(string Name, bool IsGroup);
