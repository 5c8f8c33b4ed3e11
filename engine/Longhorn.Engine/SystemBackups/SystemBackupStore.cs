using System.Security.Cryptography;
using Longhorn.Engine.Format;
using Longhorn.Engine.Store;

namespace Longhorn.Engine.SystemBackups;

/// <summary>One system backup in a store: its name and the Longhorn version directory it sits in.</summary>
public sealed record SystemBackupListing(string Name, string Version)
{
    /// <summary>The store path Longhorn's <c>system-backup list</c> reports.</summary>
    public string Path => SystemBackupPaths.Of(Version, Name);
}

/// <summary>
/// Longhorn's system-backup verbs on any driver (backupstore <c>systembackup</c>): upload (zip first, refused when it
/// exists, then the cfg), get-config, list, download with its SHA-256 checked, delete.
/// </summary>
public sealed class SystemBackupStore(IBackupStoreDriver driver)
{
    /// <summary>Uploads the zip, then its cfg with the zip's SHA-256; the cfg is what makes a system backup complete.</summary>
    public async Task<SystemBackupConfig> UploadAsync(string zipPath, SystemBackupConfig config, CancellationToken cancellationToken = default)
    {
        Validate(config.LonghornVersion, config.Name);
        var zip = SystemBackupPaths.Zip(config.LonghornVersion, config.Name);
        if (await driver.FileExistsAsync(zip, cancellationToken).ConfigureAwait(false))
            throw new BackupStoreException($"system backup {config.Name} already exists in backupstore {driver.Url}: {zip}");
        var checksum = await ChecksumAsync(zipPath, cancellationToken).ConfigureAwait(false);
        await driver.UploadAsync(zipPath, zip, cancellationToken).ConfigureAwait(false);
        var complete = config with { Checksum = checksum, BackupTargetURL = config.BackupTargetURL.Length > 0 ? config.BackupTargetURL : driver.Url };
        await driver.WriteAsync(SystemBackupPaths.Config(config.LonghornVersion, config.Name), complete.ToJson(), cancellationToken).ConfigureAwait(false);
        return complete;
    }

    /// <summary>The cfg; <see cref="BackupStoreNotFoundException"/> when there is none (absent, or an upload that never finished).</summary>
    public async Task<SystemBackupConfig> GetConfigAsync(string name, string version, CancellationToken cancellationToken = default)
    {
        Validate(version, name);
        var path = SystemBackupPaths.Config(version, name);
        byte[] bytes;
        try
        {
            bytes = await StoreConfigs.ReadAllAsync(driver, path, cancellationToken).ConfigureAwait(false);
        }
        catch (BackupStoreNotFoundException e)
        {
            throw new BackupStoreNotFoundException($"system backup {name} not found in backupstore {driver.Url}: cannot find {path}", e);
        }
        try
        {
            return SystemBackupConfig.FromJson(bytes) with { Name = name };
        }
        catch (FormatException e)
        {
            throw new BackupStoreCorruptException($"cannot parse {path} in backupstore {driver.Url}: {e.Message}", e);
        }
    }

    /// <summary>Every <c>&lt;version&gt;/&lt;name&gt;</c> directory, as Longhorn lists them (two levels, no cfg read), sorted.</summary>
    public async Task<IReadOnlyList<SystemBackupListing>> ListAsync(CancellationToken cancellationToken = default)
    {
        var found = new List<SystemBackupListing>();
        foreach (var version in await driver.ListAsync(SystemBackupPaths.Directory, cancellationToken).ConfigureAwait(false))
        {
            if (!IsValidPart(version)) continue;
            foreach (var name in await driver.ListAsync($"{SystemBackupPaths.Directory}/{version}", cancellationToken).ConfigureAwait(false))
            {
                if (IsValidPart(name)) found.Add(new SystemBackupListing(name, version));
            }
        }
        return found.OrderBy(l => l.Version, StringComparer.Ordinal).ThenBy(l => l.Name, StringComparer.Ordinal).ToList();
    }

    /// <summary>Downloads the zip and checks it against the cfg's checksum; on a mismatch the file is deleted and nothing is returned.</summary>
    public async Task<SystemBackupConfig> DownloadAsync(string name, string version, string localPath, CancellationToken cancellationToken = default)
    {
        var config = await GetConfigAsync(name, version, cancellationToken).ConfigureAwait(false);
        await driver.DownloadAsync(SystemBackupPaths.Zip(version, name), localPath, cancellationToken).ConfigureAwait(false);
        var checksum = await ChecksumAsync(localPath, cancellationToken).ConfigureAwait(false);
        if (!string.Equals(checksum, config.Checksum, StringComparison.OrdinalIgnoreCase))
        {
            File.Delete(localPath);
            throw new BackupStoreCorruptException(
                $"system backup {name} in backupstore {driver.Url} is corrupt: the zip's SHA-256 is {checksum}, its cfg says {config.Checksum}")
            { IsChecksumMismatch = true };
        }
        return config;
    }

    /// <summary>Removes the whole <c>&lt;version&gt;/&lt;name&gt;/</c> directory; a missing one is not an error.</summary>
    public ValueTask DeleteAsync(string name, string version, CancellationToken cancellationToken = default)
    {
        Validate(version, name);
        return driver.RemoveAsync(SystemBackupPaths.Of(version, name), cancellationToken);
    }

    public string UrlOf(string name, string version) => SystemBackupPaths.Url(driver.Url, version, name);

    /// <summary>The SHA-256 hex of a file (util.GetFileChecksum).</summary>
    public static async Task<string> ChecksumAsync(string path, CancellationToken cancellationToken)
    {
        await using var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16, useAsync: true);
        return Convert.ToHexStringLower(await SHA256.HashDataAsync(file, cancellationToken).ConfigureAwait(false));
    }

    private static void Validate(string version, string name)
    {
        if (!IsValidPart(name)) throw new BackupStoreArgumentException($"system backup name '{name}' is invalid");
        if (!IsValidPart(version)) throw new BackupStoreArgumentException($"Longhorn version '{version}' of system backup {name} is invalid");
    }

    // Names become path segments: never empty, never a traversal, never a separator.
    private static bool IsValidPart(string part) =>
        part.Length is > 0 and <= 253 && part is not ("." or "..") && !part.Contains('/') && !part.Contains('\\');
}
