namespace Longhorn.Functions.Resources;

/// <summary>One Longhorn setting (<c>failed-backup-ttl</c>, <c>backup-compression-method</c>, ...), its value as a string.</summary>
public sealed record Setting : Resource, IResourceKind
{
    public static string KindName => "Setting";
    public override string Kind => KindName;
    public string Value { get; init; } = "";
    public SettingStatus Status { get; init; } = new();
}

public sealed record SettingStatus
{
    public bool Applied { get; init; } = true;
}
