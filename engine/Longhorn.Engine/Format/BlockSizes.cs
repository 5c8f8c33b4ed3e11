using System.Globalization;

namespace Longhorn.Engine.Format;

/// <summary>Backup block sizes: Kubernetes quantities in <c>Parameters["backup-block-size"]</c>, 2 MiB by default.</summary>
public static class BlockSizes
{
    public const long Default = 2 * 1024 * 1024;
    public const long Large = 16 * 1024 * 1024;

    /// <summary>Longhorn's getBlockSizeFromParameters: absent, empty or zero means 2 MiB.</summary>
    public static long FromParameters(IReadOnlyDictionary<string, string>? parameters)
    {
        if (parameters is null || !parameters.TryGetValue(BackupConfig.BlockSizeParameter, out var text) || text.Length == 0)
            return Default;
        var size = ParseQuantity(text);
        return size == 0 ? Default : size;
    }

    /// <summary>Parses a Kubernetes quantity such as <c>2097152</c>, <c>2Mi</c>, <c>16Mi</c> or <c>2M</c>.</summary>
    public static long ParseQuantity(string text)
    {
        string[] binary = ["Ki", "Mi", "Gi", "Ti", "Pi", "Ei"];
        string[] decimalSuffixes = ["k", "M", "G", "T", "P", "E"];
        long multiplier = 1;
        var number = text;
        for (var i = 0; i < binary.Length; i++)
        {
            if (text.EndsWith(binary[i], StringComparison.Ordinal))
            {
                multiplier = 1L << (10 * (i + 1));
                number = text[..^2];
                break;
            }
            if (text.EndsWith(decimalSuffixes[i], StringComparison.Ordinal))
            {
                multiplier = (long)Math.Pow(1000, i + 1);
                number = text[..^1];
                break;
            }
        }
        if (!long.TryParse(number, NumberStyles.None, CultureInfo.InvariantCulture, out var value) || value < 0)
            throw new BackupStoreArgumentException($"invalid block size {text}");
        try
        {
            return checked(value * multiplier);
        }
        catch (OverflowException)
        {
            throw new BackupStoreArgumentException($"invalid block size {text}: too large");
        }
    }

    /// <summary>Longhorn's ValidateBackupBlockSize: 2 MiB or 16 MiB, dividing the volume size.</summary>
    public static void ValidateForBackup(long blockSize, long volumeSize, string volumeName)
    {
        if (blockSize != Default && blockSize != Large)
            throw new BackupStoreArgumentException(
                $"invalid backup block size {blockSize} for volume {volumeName}: must be {Default} (2 MiB) or {Large} (16 MiB)");
        if (volumeSize <= 0)
            throw new BackupStoreArgumentException($"invalid size {volumeSize} of volume {volumeName}: must be positive");
        if (volumeSize % blockSize != 0)
            throw new BackupStoreArgumentException(
                $"volume {volumeName} size {volumeSize} is not a multiple of the backup block size {blockSize}");
    }
}
