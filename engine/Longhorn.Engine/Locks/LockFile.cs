using Longhorn.Engine.Format;

namespace Longhorn.Engine.Locks;

/// <summary>The content of <c>locks/lock-&lt;16hex&gt;.lck</c> (lock.go <c>FileLock</c>, exported fields only).</summary>
internal sealed record LockFile(string Name, LockType Type, bool Acquired)
{
    public byte[] ToJson() => new GoJsonWriter()
        .BeginObject()
        .Name("Name").String(Name)
        .Name("Type").Number((long)Type)
        .Name("Acquired").Bool(Acquired)
        .EndObject()
        .ToUtf8();

    public static LockFile FromJson(ReadOnlySpan<byte> utf8) =>
        GoJsonObject.Parse(utf8, o => new LockFile(o.String("Name"), (LockType)o.Int64("Type"), o.Bool("Acquired")));
}
