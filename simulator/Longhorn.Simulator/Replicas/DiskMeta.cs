using System.Text;

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

    public byte[] ToJson()
    {
        var json = new StringBuilder("{");
        GoJson.AppendName(json, nameof(Name));
        GoJson.AppendString(json, Name).Append(',');
        GoJson.AppendName(json, nameof(Parent));
        GoJson.AppendString(json, Parent).Append(',');
        GoJson.AppendName(json, nameof(Removed));
        GoJson.AppendBool(json, Removed).Append(',');
        GoJson.AppendName(json, nameof(UserCreated));
        GoJson.AppendBool(json, UserCreated).Append(',');
        GoJson.AppendName(json, nameof(Created));
        GoJson.AppendString(json, Created).Append(',');
        GoJson.AppendName(json, nameof(Labels));
        GoJson.AppendStringMap(json, Labels);
        return GoJson.Finish(json.Append('}'));
    }

    /// <param name="utf8">The file's bytes.</param>
    /// <param name="fileName">The layer's file name (the meta file's name without <c>.meta</c>); the stored Name is ignored.</param>
    public static DiskMeta Parse(ReadOnlySpan<byte> utf8, string fileName)
    {
        var what = fileName + DiskNames.MetaSuffix;
        var meta = new DiskMeta(fileName, "", false, false, "", null);
        GoJson.ReadObject(utf8, what, (key, value) =>
        {
            if (GoJson.Is(key, nameof(Parent))) meta = meta with { Parent = GoJson.String(value, meta.Parent, what) };
            else if (GoJson.Is(key, nameof(Removed))) meta = meta with { Removed = GoJson.Bool(value, meta.Removed, what) };
            else if (GoJson.Is(key, nameof(UserCreated))) meta = meta with { UserCreated = GoJson.Bool(value, meta.UserCreated, what) };
            else if (GoJson.Is(key, nameof(Created))) meta = meta with { Created = GoJson.String(value, meta.Created, what) };
            else if (GoJson.Is(key, nameof(Labels))) meta = meta with { Labels = GoJson.StringMap(value, what) };
            else if (GoJson.Is(key, nameof(Name))) GoJson.String(value, "", what); // type-checked as Go does, then ignored
        });

        return meta;
    }
}
