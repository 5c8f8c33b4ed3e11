using Longhorn.Engine.Blocks;
using Longhorn.Engine.Store;

namespace Longhorn.Engine.Format;

/// <summary>Loads and saves volume.cfg and backup cfgs through a driver, with errors that name the object.</summary>
internal static class StoreConfigs
{
    public static async Task<byte[]> ReadAllAsync(IBackupStoreDriver driver, string path, CancellationToken cancellationToken)
    {
        await using var stream = await driver.ReadAsync(path, cancellationToken).ConfigureAwait(false);
        using var buffer = new MemoryStream();
        await stream.CopyToAsync(buffer, cancellationToken).ConfigureAwait(false);
        return buffer.ToArray();
    }

    /// <summary>Loads volume.cfg with Go's loadVolume defaults applied (compression gzip, data engine v1 when empty).</summary>
    public static async Task<VolumeConfig> LoadVolumeAsync(IBackupStoreDriver driver, string volumeName, CancellationToken cancellationToken)
    {
        var path = StorePaths.VolumeConfig(volumeName);
        byte[] bytes;
        try
        {
            bytes = await ReadAllAsync(driver, path, cancellationToken).ConfigureAwait(false);
        }
        catch (BackupStoreNotFoundException e)
        {
            throw new BackupStoreNotFoundException($"backup volume {volumeName} not found in backupstore {driver.Url}: cannot find {path}", e);
        }
        VolumeConfig volume;
        try
        {
            volume = VolumeConfig.FromJson(bytes);
        }
        catch (FormatException e)
        {
            throw new BackupStoreCorruptException($"cannot parse {path} in backupstore {driver.Url}: {e.Message}", e);
        }
        if (!CompressionMethods.TryParse(volume.CompressionMethod, out _))
            throw new BackupStoreCorruptException($"{path}: unknown compression method {volume.CompressionMethod}");
        // Named by its folder, as the listing names it: every later save then goes back to this folder.
        return volume with
        {
            Name = volumeName,
            CompressionMethod = volume.CompressionMethod.Length == 0 ? "gzip" : volume.CompressionMethod,
            DataEngine = volume.DataEngine.Length == 0 ? "v1" : volume.DataEngine,
        };
    }

    /// <summary>Loads a backup cfg named by its file and folder (see <see cref="BackupConfig.NamedByFile"/>).</summary>
    public static async Task<BackupConfig> LoadBackupAsync(IBackupStoreDriver driver, string volumeName, string backupName,
        CancellationToken cancellationToken)
    {
        var path = StorePaths.BackupConfig(volumeName, backupName);
        byte[] bytes;
        try
        {
            bytes = await ReadAllAsync(driver, path, cancellationToken).ConfigureAwait(false);
        }
        catch (BackupStoreNotFoundException e)
        {
            throw new BackupStoreNotFoundException(
                $"backup {backupName} of volume {volumeName} not found in backupstore {driver.Url}: cannot find {path}", e);
        }
        try
        {
            var backup = BackupConfig.FromJson(bytes);
            if (backup.Blocks.Any(b => !BlockId.IsValid(b.BlockChecksum) || b.Offset < 0))
                throw new FormatException("Blocks: an entry has an invalid block checksum or a negative offset");
            return backup.NamedByFile(volumeName, backupName);
        }
        catch (FormatException e)
        {
            throw new BackupStoreCorruptException($"cannot parse {path} in backupstore {driver.Url}: {e.Message}", e);
        }
    }

    public static ValueTask SaveVolumeAsync(IBackupStoreDriver driver, VolumeConfig volume, CancellationToken cancellationToken) =>
        driver.WriteAsync(StorePaths.VolumeConfig(volume.Name), volume.ToJson(), cancellationToken);

    public static ValueTask SaveBackupAsync(IBackupStoreDriver driver, string volumeName, BackupConfig backup,
        CancellationToken cancellationToken) =>
        driver.WriteAsync(StorePaths.BackupConfig(volumeName, backup.Name), backup.ToJson(), cancellationToken);

    /// <summary>Names of the volume's backup cfgs (<c>backups/backup_*.cfg</c>) that pass Longhorn's name rule.</summary>
    public static async Task<IReadOnlyList<string>> ListBackupNamesAsync(IBackupStoreDriver driver, string volumeName,
        CancellationToken cancellationToken)
    {
        var files = await driver.ListAsync(StorePaths.BackupsDirectory(volumeName), cancellationToken).ConfigureAwait(false);
        return StorePaths.ExtractNames(files, StorePaths.BackupConfigPrefix, StorePaths.ConfigSuffix).Where(Names.IsValid).ToList();
    }
}
