namespace Longhorn.Functions.Resources;

/// <summary>A Kubernetes StorageClass; its <c>parameters</c> can give new volumes recurring jobs.</summary>
public sealed record StorageClass : Resource, IResourceKind
{
    public const string LonghornProvisioner = "driver.longhorn.io";
    public static string KindName => "StorageClass";
    public override string Kind => KindName;
    public override string ApiVersion => "storage.k8s.io/v1";
    public string Provisioner { get; init; } = LonghornProvisioner;
    public IReadOnlyDictionary<string, string> Parameters { get; init; } = new Dictionary<string, string>();

    /// <summary>What happens to a provisioned volume when its claim goes: <c>Delete</c> (Kubernetes' default) or <c>Retain</c>.</summary>
    public string ReclaimPolicy { get; init; } = "Delete";
}
