namespace Longhorn.Functions.Resources;

/// <summary>A snapshot of a volume (lhsnap), labelled <c>longhornvolume: &lt;volume&gt;</c>.</summary>
public sealed record Snapshot : Resource, IResourceKind
{
    public static string KindName => "Snapshot";
    public override string Kind => KindName;
    public SnapshotSpec Spec { get; init; } = new();
    public SnapshotStatus Status { get; init; } = new();
}

public sealed record SnapshotSpec
{
    public string Volume { get; init; } = "";
    public bool CreateSnapshot { get; init; }
    public IReadOnlyDictionary<string, string> Labels { get; init; } = new Dictionary<string, string>();
}

public sealed record SnapshotStatus
{
    public string Parent { get; init; } = "";
    public IReadOnlyDictionary<string, bool> Children { get; init; } = new Dictionary<string, bool>();
    public bool MarkRemoved { get; init; }
    public bool UserCreated { get; init; }
    public string RequestedTime { get; init; } = "";
    public string CreationTime { get; init; } = "";
    public long Size { get; init; }
    public IReadOnlyDictionary<string, string> Labels { get; init; } = new Dictionary<string, string>();
    public string OwnerID { get; init; } = "";
    public string Error { get; init; } = "";
    public long RestoreSize { get; init; }
    public bool ReadyToUse { get; init; }
    public string Checksum { get; init; } = "";
}
