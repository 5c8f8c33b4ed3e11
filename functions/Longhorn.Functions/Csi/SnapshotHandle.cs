namespace Longhorn.Functions.Csi;

/// <summary>
/// A CSI snapshot id as Longhorn encodes it (spec/control-plane.md §3): <c>bak://&lt;volume&gt;/&lt;backup&gt;</c> (legacy
/// <c>bs://</c>) or <c>snap://&lt;volume&gt;/&lt;snapshot&gt;</c>; the middle segment is the volume name.
/// </summary>
public sealed record SnapshotHandle(string Type, string Volume, string Name)
{
    public const string Backup = "bak";
    public const string Snapshot = "snap";

    public override string ToString() => $"{Type}://{Volume}/{Name}";

    /// <summary>The handle, or the reason it is not one.</summary>
    public static SnapshotHandle Parse(string? text)
    {
        var scheme = text?.IndexOf("://", StringComparison.Ordinal) ?? -1;
        if (text is null || scheme <= 0) throw new FormatException($"invalid snapshot handle \"{text}\": expected bak://<volume>/<backup> or snap://<volume>/<snapshot>");
        var type = text[..scheme] switch
        {
            "bak" or "bs" => Backup,
            "snap" => Snapshot,
            var other => throw new FormatException($"invalid snapshot handle \"{text}\": unknown type {other}"),
        };
        var parts = text[(scheme + 3)..].Split('/');
        if (parts.Length != 2 || parts[0].Length == 0 || parts[1].Length == 0)
            throw new FormatException($"invalid snapshot handle \"{text}\": expected {type}://<volume>/<name>");
        return new SnapshotHandle(type, parts[0], parts[1]);
    }

    /// <summary>A VolumeSnapshotClass's <c>type</c>: <c>bak</c> (also empty and the deprecated <c>bs</c>) or <c>snap</c>; <c>bi</c> is refused by name.</summary>
    public static string NormalizeType(string? type) => type switch
    {
        null or "" or "bak" or "bs" => Backup,
        "snap" => Snapshot,
        "bi" => throw new FormatException("CSI snapshot type \"bi\" (a backing image exported from the volume) is not supported: this host stores BackingImages but does not build them"),
        _ => throw new FormatException($"invalid CSI snapshot type \"{type}\""),
    };
}
