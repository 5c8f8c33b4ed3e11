namespace Longhorn.Functions.ControlPlane.SystemBackups;

/// <summary>Labels of system backups (types.go) and the mark this host puts on the snapshots a system backup takes.</summary>
public static class SystemBackupLabels
{
    /// <summary>On a SystemBackup pulled from the store: the Longhorn version directory it was found in.</summary>
    public const string Version = "longhorn.io/version";

    /// <summary>On a SystemBackup made by a recurring job: the job's name.</summary>
    public const string RecurringJob = "recurring-job.longhorn.io/system-backup";

    /// <summary>On the snapshot a system backup took of a volume (spec labels), so a resumed run finds it instead of taking another.</summary>
    public const string Snapshot = "longhorn.io/system-backup";

    public const string NamePrefix = "system-backup";
}
