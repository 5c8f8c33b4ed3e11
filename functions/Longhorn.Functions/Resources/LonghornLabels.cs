namespace Longhorn.Functions.Resources;

/// <summary>Label, annotation and finalizer keys Longhorn uses (types.go); backup-target and backup-volume are unprefixed.</summary>
public static class LonghornLabels
{
    public const string Finalizer = "longhorn.io";
    public const string BackupTarget = "backup-target";
    public const string BackupVolume = "backup-volume";
    public const string DeleteCustomResourceOnly = "longhorn.io/delete-custom-resource-only";
    public const string VolumeAccessMode = "longhorn.io/volume-access-mode";
    public const string SnapshotVolume = "longhornvolume";
    public const string RecurringJob = "RecurringJob";
    public const string RecurringJobPrefix = "recurring-job.longhorn.io/";
    public const string RecurringJobGroupPrefix = "recurring-job-group.longhorn.io/";
    public const string Enabled = "enabled";
    public const string DefaultGroup = "default";
    public const string LastAppliedDefaultResource = "longhorn.io/last-applied-default-resource";
}
