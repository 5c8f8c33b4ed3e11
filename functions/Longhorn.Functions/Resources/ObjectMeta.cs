namespace Longhorn.Functions.Resources;

/// <summary>Kubernetes object metadata as Longhorn's resources carry it.</summary>
public sealed record ObjectMeta
{
    public const string LonghornNamespace = "longhorn-system";

    public string Name { get; init; } = "";
    public string Namespace { get; init; } = LonghornNamespace;
    public string Uid { get; init; } = "";

    /// <summary>Changes on every write; an update carrying an older value is refused (optimistic concurrency).</summary>
    public string ResourceVersion { get; init; } = "";

    public DateTimeOffset? CreationTimestamp { get; init; }

    /// <summary>Set when a delete was asked for while finalizers remain; the object goes when the last one is removed.</summary>
    public DateTimeOffset? DeletionTimestamp { get; init; }

    public IReadOnlyDictionary<string, string> Labels { get; init; } = new Dictionary<string, string>();
    public IReadOnlyDictionary<string, string> Annotations { get; init; } = new Dictionary<string, string>();
    public IReadOnlyList<string> Finalizers { get; init; } = [];
    public IReadOnlyList<OwnerReference> OwnerReferences { get; init; } = [];

    public ObjectMeta WithLabel(string key, string value) =>
        this with { Labels = new Dictionary<string, string>(Labels, StringComparer.Ordinal) { [key] = value } };

    public ObjectMeta WithoutFinalizer(string finalizer) => this with { Finalizers = Finalizers.Where(f => f != finalizer).ToList() };
}

/// <summary>An owner of a resource (for example the BackupTarget of a BackupVolume).</summary>
public sealed record OwnerReference(string ApiVersion, string Kind, string Name, string Uid);
