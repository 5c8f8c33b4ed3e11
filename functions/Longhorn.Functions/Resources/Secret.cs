namespace Longhorn.Functions.Resources;

/// <summary>A Kubernetes Secret holding a backup target's credentials; its values are never returned by the API.</summary>
public sealed record Secret : Resource, IResourceKind
{
    public static string KindName => "Secret";
    public override string Kind => KindName;
    public override string ApiVersion => "v1";
    public string Type { get; init; } = "Opaque";
    public IReadOnlyDictionary<string, string> Data { get; init; } = new Dictionary<string, string>();
}
