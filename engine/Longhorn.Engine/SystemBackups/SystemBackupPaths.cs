namespace Longhorn.Engine.SystemBackups;

/// <summary>Where system backups live in a store: <c>backupstore/system-backups/&lt;version&gt;/&lt;name&gt;/</c>.</summary>
public static class SystemBackupPaths
{
    public const string Directory = "backupstore/system-backups";
    public const string ZipName = "system-backup.zip";
    public const string ConfigName = "system-backup.cfg";

    public static string Of(string version, string name) => $"{Directory}/{version}/{name}";

    public static string Zip(string version, string name) => $"{Of(version, name)}/{ZipName}";

    public static string Config(string version, string name) => $"{Of(version, name)}/{ConfigName}";

    /// <summary>GetSystemBackupURL: the target URL joined with the system backup's directory.</summary>
    public static string Url(string targetUrl, string version, string name) => $"{targetUrl.TrimEnd('/')}/{Of(version, name)}";
}
