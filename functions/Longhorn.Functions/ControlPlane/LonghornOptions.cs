using System.Globalization;

namespace Longhorn.Functions.ControlPlane;

/// <summary>The host's own settings (configuration section <c>Longhorn</c>); Longhorn's defaults unless said otherwise.</summary>
public sealed class LonghornOptions
{
    public const string Section = "Longhorn";

    /// <summary>Where the resource database, the replicas and the emulated NFS exports live.</summary>
    public string DataDir { get; set; } = ".longhorn";

    /// <summary>The default target's URL (Longhorn's <c>backup-target</c> default resource).</summary>
    public string BackupTarget { get; set; } = "nfs://127.0.0.1:/backupstore";

    public string BackupTargetCredentialSecret { get; set; } = "";

    /// <summary>Seconds between polls of the default target; 0 disables polling.</summary>
    public long BackupstorePollInterval { get; set; } = 300;

    /// <summary>Where nfs:// and cifs:// targets are "mounted" (export directories); default <c>&lt;DataDir&gt;/backupstore-mounts</c>.</summary>
    public string BackupstoreMountRoot { get; set; } = "";

    /// <summary>How long a lock taker waits for rivals' lock files to appear (Longhorn: 2 s).</summary>
    public double LockSettleTimeSeconds { get; set; } = 2;

    /// <summary>Waits between attempts to read a block on restore, seconds, comma-separated (Longhorn: 1,5,30,60,120,300).</summary>
    public string RestoreRetryDelaySeconds { get; set; } = "1,5,30,60,120,300";

    /// <summary>Background workers for backups, deletions, restores and syncs (backups and restores are further limited by concurrent-backup-restore-per-node-limit).</summary>
    public int Workers { get; set; } = 8;

    /// <summary>Initial values of Longhorn settings by name (failed-backup-ttl, backup-compression-method, ...).</summary>
    public Dictionary<string, string> Settings { get; set; } = new(StringComparer.Ordinal);

    /// <summary>Directories <c>vfs://</c> targets may point into, absolute paths separated by ':'; empty: the data directory only.</summary>
    public string AllowedVfsRoots { get; set; } = "";

    public string FullDataDir => Path.GetFullPath(DataDir);

    public IReadOnlyList<string> VfsRoots => AllowedVfsRoots.Length == 0
        ? [FullDataDir]
        : AllowedVfsRoots.Split(':', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Select(Path.GetFullPath).ToList();

    public string MountRoot => BackupstoreMountRoot.Length > 0 ? Path.GetFullPath(BackupstoreMountRoot) : Path.Combine(FullDataDir, "backupstore-mounts");

    public string DatabasePath => Path.Combine(FullDataDir, "resources.db");

    /// <summary>The journal of the lock and temp files this host is writing to backup targets (StoreFileJournal).</summary>
    public string StoreFileJournalPath => Path.Combine(FullDataDir, "store-files.journal");

    public string ReplicaRoot => Path.Combine(FullDataDir, "replicas");

    public IReadOnlyList<TimeSpan> RestoreRetryDelays => RestoreRetryDelaySeconds
        .Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
        .Select(s => TimeSpan.FromSeconds(double.Parse(s, CultureInfo.InvariantCulture)))
        .ToList();
}
