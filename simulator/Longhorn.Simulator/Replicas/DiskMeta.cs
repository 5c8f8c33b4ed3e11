using Longhorn.Engine.Format;

namespace Longhorn.Simulator.Replicas;

/// <summary>
/// A layer's <c>X.img.meta</c> (Longhorn's <c>disk</c> struct), in Go field order. In memory <see cref="Name"/>
/// is always the layer's file name, as Longhorn's loader sets it; only a fresh snapshot's file says otherwise.
/// </summary>
internal sealed record DiskMeta(
    string Name,
    string Parent,
    bool Removed,
    bool UserCreated,
    string Created,
    IReadOnlyDictionary<string, string>? Labels)
{
    /// <summary>What a restored or cloned snapshot's meta holds, byte for byte (CreateNewSnapshotMetafile).</summary>
    public static ReadOnlySpan<byte> RestoredSnapshotJson => "{\"Parent\":\"\"}\n"u8;

    public byte[] ToJson() => new GoJsonWriter()
        .BeginObject()
        .Name(nameof(Name)).String(Name)
        .Name(nameof(Parent)).String(Parent)
        .Name(nameof(Removed)).Bool(Removed)
        .Name(nameof(UserCreated)).Bool(UserCreated)
        .Name(nameof(Created)).String(Created)
        .Name(nameof(Labels)).StringMap(Labels is { Count: > 0 } ? Labels : null)
        .EndObject()
        .ToUtf8Line();

    /// <summary>The Name the file stores (a fresh snapshot's names the head it was taken from), read as Go reads it.</summary>
    public static string StoredName(ReadOnlySpan<byte> utf8, string fileName) =>
        GoJsonFile.Parse(utf8, fileName + DiskNames.MetaSuffix, o => o.String(nameof(Name)));

    /// <param name="utf8">The file's bytes.</param>
    /// <param name="fileName">The layer's file name (the meta file's name without <c>.meta</c>); the stored Name is ignored.</param>
    public static DiskMeta Parse(ReadOnlySpan<byte> utf8, string fileName) =>
        GoJsonFile.Parse(utf8, fileName + DiskNames.MetaSuffix, o =>
        {
            _ = o.String(nameof(Name)); // type-checked as Go does, then ignored: the loader uses the file name
            return new DiskMeta(fileName, o.String(nameof(Parent)), o.Bool(nameof(Removed)), o.Bool(nameof(UserCreated)),
                o.String(nameof(Created)), o.StringMap(nameof(Labels)));
        });
}
