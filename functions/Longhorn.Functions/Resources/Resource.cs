using System.Text.Json.Serialization;

namespace Longhorn.Functions.Resources;

/// <summary>A Longhorn or Kubernetes object: kind, metadata, and the kind's spec and status.</summary>
public abstract record Resource
{
    public const string LonghornApiVersion = "longhorn.io/v1beta2";

    public virtual string ApiVersion => LonghornApiVersion;
    public abstract string Kind { get; }
    public ObjectMeta Metadata { get; init; } = new();

    [JsonIgnore]
    public string Name => Metadata.Name;

    [JsonIgnore]
    public bool IsDeleting => Metadata.DeletionTimestamp is not null;

    internal Resource CopyWith(ObjectMeta metadata) => this with { Metadata = metadata };

    public OwnerReference AsOwner() => new(ApiVersion, Kind, Metadata.Name, Metadata.Uid);
}

/// <summary>Names a resource type for the store (its table key) and the API's messages.</summary>
public interface IResourceKind
{
    static abstract string KindName { get; }
}
