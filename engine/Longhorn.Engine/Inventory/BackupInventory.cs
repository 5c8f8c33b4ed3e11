using Longhorn.Engine.Format;
using Longhorn.Engine.Store;

namespace Longhorn.Engine.Inventory;

/// <summary>Listing and inspection of a store (list.go, inspect.go, head.go); takes no locks.</summary>
internal sealed class BackupInventory
{
    private readonly IBackupStoreDriver _driver;

    public BackupInventory(IBackupStoreDriver driver) => _driver = driver;

    public Task<IReadOnlyList<string>> ListVolumeNamesAsync(CancellationToken cancellationToken) =>
        BlockListing.ListVolumeNamesAsync(_driver, cancellationToken);

    /// <summary>
    /// Every volume (or only <paramref name="volumeName"/>) named by its folder, with its backups named by their cfg files
    /// unless <paramref name="volumeOnly"/>; no cfg is read, so in-progress backups are listed too. A folder without
    /// volume.cfg is listed with an error and still with its backups (spec §7).
    /// </summary>
    public async Task<IReadOnlyList<VolumeListing>> ListAsync(string? volumeName, bool volumeOnly, CancellationToken cancellationToken)
    {
        IReadOnlyList<string> names;
        if (volumeName is null) names = await ListVolumeNamesAsync(cancellationToken).ConfigureAwait(false);
        else
        {
            Names.Validate(volumeName, "volume");
            names = [volumeName];
        }
        var result = new List<VolumeListing>(names.Count);
        foreach (var name in names)
        {
            var configPath = StorePaths.VolumeConfig(name);
            var error = await _driver.FileExistsAsync(configPath, cancellationToken).ConfigureAwait(false)
                ? null
                : $"cannot find {configPath} in backupstore";
            var backups = volumeOnly ? [] : await StoreConfigs.ListBackupNamesAsync(_driver, name, cancellationToken).ConfigureAwait(false);
            result.Add(new VolumeListing(name, backups, error));
        }
        return result;
    }

    public Task<IReadOnlyList<string>> ListBackupNamesAsync(string volumeName, CancellationToken cancellationToken)
    {
        Names.Validate(volumeName, "volume");
        return StoreConfigs.ListBackupNamesAsync(_driver, volumeName, cancellationToken);
    }

    public async Task<VolumeInfo> InspectVolumeAsync(string volumeName, CancellationToken cancellationToken)
    {
        Names.Validate(volumeName, "volume");
        return Describe(await StoreConfigs.LoadVolumeAsync(_driver, volumeName, cancellationToken).ConfigureAwait(false));
    }

    /// <summary>A volume.cfg as inspect reports it (also what a backup returns of the volume.cfg it wrote).</summary>
    internal static VolumeInfo Describe(VolumeConfig v) =>
        new(v.Name, v.Size, v.Labels, v.CreatedTime, v.LastBackupName, v.LastBackupAt, v.BlockCount, v.BlockCount * BlockSizes.Default,
            v.CompressionMethod, v.StorageClassName, v.DataEngine, v.BackingImageName, v.BackingImageChecksum);

    /// <summary>
    /// A completed backup's info, named by its file and folder whatever its cfg says (a disagreement goes to
    /// <see cref="BackupInfo.Messages"/>); an in-progress one is a <see cref="BackupStoreInProgressException"/>, as in Longhorn.
    /// </summary>
    public async Task<BackupInfo> InspectBackupAsync(string volumeName, string backupName, CancellationToken cancellationToken)
    {
        Names.Validate(volumeName, "volume");
        Names.Validate(backupName, "backup");
        var volume = await StoreConfigs.LoadVolumeAsync(_driver, volumeName, cancellationToken).ConfigureAwait(false);
        var b = await StoreConfigs.LoadBackupAsync(_driver, volumeName, backupName, cancellationToken).ConfigureAwait(false);
        if (b.IsInProgress)
            throw new BackupStoreInProgressException($"backup {backupName} is still in progress");
        return Describe(_driver.Url, volumeName, backupName, b, volume);
    }

    /// <summary>A completed backup's cfg and its volume's as inspect reports them (also what a backup returns of itself).</summary>
    internal static BackupInfo Describe(string storeUrl, string volumeName, string backupName, BackupConfig b, VolumeConfig volume) =>
        new(backupName, BackupUrl.Encode(storeUrl, volumeName, backupName), volumeName, b.SnapshotName,
            b.SnapshotCreatedAt, b.CreatedTime, b.Size, b.Labels, b.Parameters, b.IsIncremental,
            b.CompressionMethod.Length == 0 ? "gzip" : b.CompressionMethod, b.NewlyUploadedDataSize, b.ReUploadedDataSize,
            b.BlockSize, volume.Size, volume.CreatedTime)
        {
            Messages = b.NameDisagreement is { } note
                ? new Dictionary<string, string> { [BackupInfo.WarningMessage] = note }
                : new Dictionary<string, string>(),
        };

    /// <summary>Head: the modification time of the backup cfg, or of volume.cfg when no backup is named.</summary>
    public async Task<DateTimeOffset> GetModificationTimeAsync(string volumeName, string? backupName, CancellationToken cancellationToken)
    {
        Names.Validate(volumeName, "volume");
        var path = string.IsNullOrEmpty(backupName) ? StorePaths.VolumeConfig(volumeName) : StorePaths.BackupConfig(volumeName, backupName);
        return await _driver.FileTimeAsync(path, cancellationToken).ConfigureAwait(false)
               ?? throw new BackupStoreNotFoundException($"cannot find {path} in backupstore {_driver.Url}");
    }
}
