using System.Globalization;
using System.Text.RegularExpressions;

namespace Longhorn.Simulator.Replicas;

/// <summary>Longhorn's file names in a replica directory (pkg/util/disk/constant.go and disk.go).</summary>
internal static partial class DiskNames
{
    public const string VolumeMeta = "volume.meta";
    public const string RevisionCounter = "revision.counter";
    public const string MetaSuffix = ".meta";
    public const string ChecksumSuffix = ".checksum";
    public const string TmpSuffix = ".tmp";

    /// <summary>The API name of whichever head is current (types.VolumeHeadName).</summary>
    public const string HeadApiName = "volume-head";

    private const string HeadPrefix = "volume-head-";
    private const string SnapshotPrefix = "volume-snap-";
    private const string ImageSuffix = ".img";

    public static string FirstHead => Head(0);

    public static string Snapshot(string name) => SnapshotPrefix + name + ImageSuffix;

    public static string Delta(string backupName) => "volume-delta-" + backupName + ImageSuffix;

    public static bool IsSnapshot(string disk) =>
        disk.StartsWith(SnapshotPrefix, StringComparison.Ordinal) && disk.EndsWith(ImageSuffix, StringComparison.Ordinal);

    public static bool IsHead(string disk) => disk.StartsWith(HeadPrefix, StringComparison.Ordinal) && disk.EndsWith(ImageSuffix, StringComparison.Ordinal);

    /// <summary>"volume-snap-s1.img" → "s1"; any head → "volume-head"; "" stays "".</summary>
    public static string ApiName(string disk)
    {
        if (disk.Length == 0)
        {
            return "";
        }

        if (IsHead(disk))
        {
            return HeadApiName;
        }

        return disk.StartsWith(SnapshotPrefix, StringComparison.Ordinal) && disk.EndsWith(ImageSuffix, StringComparison.Ordinal)
            ? disk[SnapshotPrefix.Length..^ImageSuffix.Length]
            : disk;
    }

    /// <summary>
    /// nextFile: Longhorn matches <c>volume-head-(\d)+.img</c>, whose group keeps only the last digit, so the
    /// numbers run 000 … 009, 010, 001, 002 … and 123 is followed by 004.
    /// </summary>
    public static string NextHead(string oldHead)
    {
        if (oldHead.Length == 0)
        {
            return FirstHead;
        }

        var match = HeadPattern().Match(oldHead);
        if (!match.Success)
        {
            throw new InvalidDataException($"invalid name {oldHead} does not match pattern: volume-head-(\\d)+.img");
        }

        return Head(int.Parse(match.Groups[1].Value, CultureInfo.InvariantCulture) + 1);
    }

    /// <summary>Rejects names that would escape the directory or could not be a single file name.</summary>
    public static void ValidateName(string name, string paramName)
    {
        ArgumentException.ThrowIfNullOrEmpty(name, paramName);
        if (name.Contains('/') || name.Contains('\0') || name is "." or "..")
        {
            throw new ArgumentException($"'{name}' cannot be part of a file name", paramName);
        }
    }

    private static string Head(int number) => HeadPrefix + number.ToString("000", CultureInfo.InvariantCulture) + ImageSuffix;

    // [0-9], not \d: Go's \d is ASCII-only.
    [GeneratedRegex("volume-head-([0-9])+.img", RegexOptions.CultureInvariant)]
    private static partial Regex HeadPattern();
}
