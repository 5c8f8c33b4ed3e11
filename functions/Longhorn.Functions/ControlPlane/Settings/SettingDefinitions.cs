using System.Globalization;

namespace Longhorn.Functions.ControlPlane.Settings;

/// <summary>One Longhorn setting: its name, default and the values it accepts (types/setting.go).</summary>
public sealed record SettingDefinition(string Name, string Default, string Description, Func<string, string?> Validate);

/// <summary>The backup-related Longhorn settings this host honours (spec §6), with Longhorn's defaults.</summary>
public static class SettingDefinitions
{
    public const string BackupExecutionTimeout = "backup-execution-timeout";
    public const string FailedBackupTtl = "failed-backup-ttl";
    public const string BackupCompressionMethod = "backup-compression-method";
    public const string BackupConcurrentLimit = "backup-concurrent-limit";
    public const string RestoreConcurrentLimit = "restore-concurrent-limit";
    public const string ConcurrentBackupRestorePerNodeLimit = "concurrent-backup-restore-per-node-limit";
    public const string DefaultBackupBlockSize = "default-backup-block-size";
    public const string AllowRecurringJobWhileVolumeDetached = "allow-recurring-job-while-volume-detached";
    public const string RecurringJobMaxRetention = "recurring-job-max-retention";
    public const string AutoCleanupRecurringJobBackupSnapshot = "auto-cleanup-recurring-job-backup-snapshot";
    public const string AutoCleanupWhenDeleteBackup = "auto-cleanup-when-delete-backup";
    public const string AutoCleanupSnapshotAfterOnDemandBackup = "auto-cleanup-snapshot-after-on-demand-backup-completed";
    public const string SnapshotMaxCount = "snapshot-max-count";

    public static IReadOnlyList<SettingDefinition> All { get; } =
    [
        Int(BackupExecutionTimeout, 1, 1, int.MaxValue, "Minutes a store listing or inspection may take."),
        Int(FailedBackupTtl, 1440, 0, int.MaxValue, "Minutes an Error or Unknown backup is kept; 0 keeps them."),
        Choice(BackupCompressionMethod, "lz4", ["none", "lz4", "gzip"], "Compression of new backup volumes."),
        Int(BackupConcurrentLimit, 2, 1, 64, "Block workers per backup."),
        Int(RestoreConcurrentLimit, 2, 1, 64, "Block workers per restore."),
        Int(ConcurrentBackupRestorePerNodeLimit, 5, 0, 100,
            "Backups and restores this host runs at once; the rest wait their turn. 0 holds restores (Longhorn's meaning) and leaves backups unlimited."),
        Choice(DefaultBackupBlockSize, "2", ["2", "16"], "Backup block size of new volumes, MiB."),
        Bool(AllowRecurringJobWhileVolumeDetached, false, "Run recurring jobs on detached volumes."),
        Int(RecurringJobMaxRetention, 100, 1, 250, "Upper bound of a recurring job's retain."),
        Bool(AutoCleanupRecurringJobBackupSnapshot, true, "Delete a recurring backup's snapshots once backed up."),
        Bool(AutoCleanupWhenDeleteBackup, false, "Delete a backup's snapshot with the backup."),
        Bool(AutoCleanupSnapshotAfterOnDemandBackup, false, "Delete an on-demand backup's snapshot once it completes."),
        Int(SnapshotMaxCount, 250, 2, 250, "Snapshots a volume may keep."),
    ];

    public static SettingDefinition? Find(string name) => All.FirstOrDefault(d => d.Name == name);

    private static SettingDefinition Int(string name, int value, int min, int max, string description) =>
        new(name, value.ToString(CultureInfo.InvariantCulture), description, text =>
            int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var v) && v >= min && v <= max
                ? null
                : $"value {text} of setting {name} must be an integer from {min} to {max}");

    private static SettingDefinition Bool(string name, bool value, string description) =>
        new(name, value ? "true" : "false", description, text =>
            text is "true" or "false" ? null : $"value {text} of setting {name} must be true or false");

    private static SettingDefinition Choice(string name, string value, string[] choices, string description) =>
        new(name, value, description, text =>
            choices.Contains(text) ? null : $"value {text} of setting {name} must be one of {string.Join(", ", choices)}");
}
