using System.Globalization;
using Longhorn.Engine.Format;

namespace Longhorn.Engine.SystemBackups;

/// <summary>
/// <c>system-backup.cfg</c> (backupstore <c>systembackup.Config</c>): Go field names without tags, <c>CreatedAt</c> a
/// time.Time (RFC 3339 with nanoseconds), <c>Checksum</c> the SHA-256 hex of the zip.
/// </summary>
public sealed record SystemBackupConfig
{
    public required string Name { get; init; }
    public string LonghornVersion { get; init; } = "";
    public string LonghornGitCommit { get; init; } = "";
    public string BackupTargetURL { get; init; } = "";
    public string ManagerImage { get; init; } = "";
    public string EngineImage { get; init; } = "";
    public DateTimeOffset CreatedAt { get; init; }
    public string Checksum { get; init; } = "";

    /// <summary>Go's json.Marshal of the struct: fields in declaration order, compact.</summary>
    public byte[] ToJson() => new GoJsonWriter()
        .BeginObject()
        .Name("Name").String(Name)
        .Name("LonghornVersion").String(LonghornVersion)
        .Name("LonghornGitCommit").String(LonghornGitCommit)
        .Name("BackupTargetURL").String(BackupTargetURL)
        .Name("ManagerImage").String(ManagerImage)
        .Name("EngineImage").String(EngineImage)
        .Name("CreatedAt").String(FormatTime(CreatedAt))
        .Name("Checksum").String(Checksum)
        .EndObject()
        .ToUtf8();

    /// <summary>Reads a cfg as Go does (keys case-insensitive, unknown keys ignored); throws <see cref="FormatException"/>.</summary>
    public static SystemBackupConfig FromJson(ReadOnlySpan<byte> utf8) => GoJsonObject.Parse(utf8, o => new SystemBackupConfig
    {
        Name = o.String("Name"),
        LonghornVersion = o.String("LonghornVersion"),
        LonghornGitCommit = o.String("LonghornGitCommit"),
        BackupTargetURL = o.String("BackupTargetURL"),
        ManagerImage = o.String("ManagerImage"),
        EngineImage = o.String("EngineImage"),
        CreatedAt = ParseTime(o.String("CreatedAt")),
        Checksum = o.String("Checksum"),
    });

    /// <summary>time.Time's MarshalJSON: RFC3339Nano, trailing zeros of the fraction dropped, <c>Z</c> for UTC.</summary>
    public static string FormatTime(DateTimeOffset time)
    {
        var utc = time.UtcDateTime;
        var text = utc.ToString("yyyy-MM-dd'T'HH:mm:ss", CultureInfo.InvariantCulture);
        var nanos = utc.Ticks % TimeSpan.TicksPerSecond * 100;
        if (nanos != 0) text += "." + nanos.ToString("D9", CultureInfo.InvariantCulture).TrimEnd('0');
        return text + "Z";
    }

    private static DateTimeOffset ParseTime(string text)
    {
        if (text.Length == 0) return default;
        // Go writes nanoseconds; .NET keeps 100 ns ticks: drop the last two digits rather than round them.
        text = System.Text.RegularExpressions.Regex.Replace(text, @"(\.\d{7})\d+", "$1");
        return DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var at)
            ? at
            : throw new FormatException($"field CreatedAt: {text} is not an RFC 3339 time");
    }
}
