using Longhorn.Engine.Format;

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

    public byte[] ToJson() => new GoJsonWriter()
        .BeginObject()
        .Name(nameof(Size)).Number(Size)
        .Name(nameof(Head)).String(Head)
        .Name(nameof(Dirty)).Bool(Dirty)
        .Name(nameof(Rebuilding)).Bool(Rebuilding)
        .Name(nameof(Error)).String(Error)
        .Name(nameof(Parent)).String(Parent)
        .Name(nameof(SectorSize)).Number(SectorSize)
        .Name(nameof(BackingFilePath)).String(BackingFilePath)
        .Name(nameof(Encrypted)).Bool(Encrypted)
        .EndObject()
        .ToUtf8Line();

    /// <summary>Reads any version of the file; pre-2021 files name the backing file <c>BackingFileName</c>.</summary>
    public static VolumeMeta Parse(ReadOnlySpan<byte> utf8) => GoJsonFile.Parse(utf8, "volume.meta", o => new VolumeMeta(
        o.Int64(nameof(Size)),
        o.String(nameof(Head)),
        o.Bool(nameof(Dirty)),
        o.Bool(nameof(Rebuilding)),
        o.String(nameof(Error)),
        o.String(nameof(Parent)),
        o.Int64(nameof(SectorSize)),
        o.Has(nameof(BackingFilePath)) || !o.Has("BackingFileName") ? o.String(nameof(BackingFilePath)) : o.String("BackingFileName"),
        o.Bool(nameof(Encrypted))));
}
