using System.Security.Cryptography;
using System.Text;

namespace Longhorn.Engine.Format;

/// <summary>Longhorn's object layout under <c>backupstore/</c> (spec §2): volume dirs by SHA-512 of the name, blocks by id.</summary>
internal static class StorePaths
{
    public const string Root = "backupstore";
    public const string VolumesDirectory = "backupstore/volumes";
    public const string BackupConfigPrefix = "backup_";
    public const string ConfigSuffix = ".cfg";
    public const string BlockSuffix = ".blk";
    public const string LockSuffix = ".lck";

    /// <summary>The pseudo-volume whose folder holds only the backing-image locks (spec §2.2): no volume.cfg, by design.</summary>
    public const string BackingImageLockVolume = "BACKINGIMAGE";

    /// <summary><c>backupstore/volumes/h0h1/h2h3/name/</c> with h the hex SHA-512 of the name.</summary>
    public static string Volume(string volumeName)
    {
        Span<byte> hash = stackalloc byte[SHA512.HashSizeInBytes];
        SHA512.HashData(Encoding.UTF8.GetBytes(volumeName), hash);
        var hex = Convert.ToHexStringLower(hash[..2]);
        return $"{VolumesDirectory}/{hex[..2]}/{hex[2..4]}/{volumeName}/";
    }

    public static string VolumeConfig(string volumeName) => Volume(volumeName) + "volume.cfg";

    public static string BackupsDirectory(string volumeName) => Volume(volumeName) + "backups";

    public static string BackupConfig(string volumeName, string backupName) =>
        $"{BackupsDirectory(volumeName)}/{BackupConfigPrefix}{backupName}{ConfigSuffix}";

    public static string BlocksDirectory(string volumeName) => Volume(volumeName) + "blocks";

    public static string Block(string volumeName, string blockId) =>
        $"{BlocksDirectory(volumeName)}/{blockId[..2]}/{blockId[2..4]}/{blockId}{BlockSuffix}";

    public static string LocksDirectory(string volumeName) => Volume(volumeName) + "locks";

    public static string Lock(string volumeName, string lockName) => $"{LocksDirectory(volumeName)}/{lockName}{LockSuffix}";

    /// <summary>Names of files in a listing that end with the suffix (and start with the prefix), both stripped.</summary>
    public static IEnumerable<string> ExtractNames(IEnumerable<string> files, string prefix, string suffix) =>
        files.Where(f => f.StartsWith(prefix, StringComparison.Ordinal) && f.EndsWith(suffix, StringComparison.Ordinal)
                         && f.Length > prefix.Length + suffix.Length)
             .Select(f => f[prefix.Length..^suffix.Length]);
}
