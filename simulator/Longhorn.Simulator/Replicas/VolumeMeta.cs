using System.Text;

namespace Longhorn.Simulator.Replicas;

/// <summary>The replica's <c>volume.meta</c> (Longhorn's <c>Info</c> struct), in Go field order.</summary>
internal sealed record VolumeMeta(
    long Size,
    string Head,
    bool Dirty,
    bool Rebuilding,
    string Error,
    string Parent,
    long SectorSize,
    string BackingFilePath,
    bool Encrypted)
{
    /// <summary>The frontend sector size the replica server always records (not the 4 KiB I/O granularity).</summary>
    public const long ReplicaSectorSize = 512;

    public static VolumeMeta New(long size, string head) =>
        new(size, head, Dirty: true, Rebuilding: false, Error: "", Parent: "", ReplicaSectorSize, BackingFilePath: "", Encrypted: false);

    public byte[] ToJson()
    {
        var json = new StringBuilder("{");
        GoJson.AppendName(json, nameof(Size));
        GoJson.AppendInt(json, Size).Append(',');
        GoJson.AppendName(json, nameof(Head));
        GoJson.AppendString(json, Head).Append(',');
        GoJson.AppendName(json, nameof(Dirty));
        GoJson.AppendBool(json, Dirty).Append(',');
        GoJson.AppendName(json, nameof(Rebuilding));
        GoJson.AppendBool(json, Rebuilding).Append(',');
        GoJson.AppendName(json, nameof(Error));
        GoJson.AppendString(json, Error).Append(',');
        GoJson.AppendName(json, nameof(Parent));
        GoJson.AppendString(json, Parent).Append(',');
        GoJson.AppendName(json, nameof(SectorSize));
        GoJson.AppendInt(json, SectorSize).Append(',');
        GoJson.AppendName(json, nameof(BackingFilePath));
        GoJson.AppendString(json, BackingFilePath).Append(',');
        GoJson.AppendName(json, nameof(Encrypted));
        GoJson.AppendBool(json, Encrypted);
        return GoJson.Finish(json.Append('}'));
    }

    /// <summary>Reads any version of the file; pre-2021 files name the backing file <c>BackingFileName</c>.</summary>
    public static VolumeMeta Parse(ReadOnlySpan<byte> utf8)
    {
        const string What = "volume.meta";
        var meta = new VolumeMeta(0, "", false, false, "", "", 0, "", false);
        string? legacyBackingFile = null;
        var sawBackingFilePath = false;
        GoJson.ReadObject(utf8, What, (key, value) =>
        {
            if (GoJson.Is(key, nameof(Size))) meta = meta with { Size = GoJson.Int(value, meta.Size, What) };
            else if (GoJson.Is(key, nameof(Head))) meta = meta with { Head = GoJson.String(value, meta.Head, What) };
            else if (GoJson.Is(key, nameof(Dirty))) meta = meta with { Dirty = GoJson.Bool(value, meta.Dirty, What) };
            else if (GoJson.Is(key, nameof(Rebuilding))) meta = meta with { Rebuilding = GoJson.Bool(value, meta.Rebuilding, What) };
            else if (GoJson.Is(key, nameof(Error))) meta = meta with { Error = GoJson.String(value, meta.Error, What) };
            else if (GoJson.Is(key, nameof(Parent))) meta = meta with { Parent = GoJson.String(value, meta.Parent, What) };
            else if (GoJson.Is(key, nameof(SectorSize))) meta = meta with { SectorSize = GoJson.Int(value, meta.SectorSize, What) };
            else if (GoJson.Is(key, nameof(Encrypted))) meta = meta with { Encrypted = GoJson.Bool(value, meta.Encrypted, What) };
            else if (GoJson.Is(key, nameof(BackingFilePath)))
            {
                meta = meta with { BackingFilePath = GoJson.String(value, meta.BackingFilePath, What) };
                sawBackingFilePath = true;
            }
            else if (GoJson.Is(key, "BackingFileName"))
            {
                legacyBackingFile = GoJson.String(value, legacyBackingFile ?? "", What);
            }
        });

        return sawBackingFilePath || legacyBackingFile is null ? meta : meta with { BackingFilePath = legacyBackingFile };
    }
}
