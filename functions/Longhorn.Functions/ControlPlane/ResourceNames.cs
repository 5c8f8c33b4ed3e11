using System.Security.Cryptography;
using System.Text;
using System.Text.RegularExpressions;

namespace Longhorn.Functions.ControlPlane;

/// <summary>Longhorn's naming rules: name validation, generated names and deterministic BackupVolume names.</summary>
public static partial class ResourceNames
{
    /// <summary>Kubernetes label values (which carry volume names) are at most 63 characters.</summary>
    public const int MaxNameLength = 63;

    [GeneratedRegex("^[a-z0-9][a-z0-9_.-]+$")]
    private static partial Regex NamePattern();

    [GeneratedRegex("^[a-zA-Z0-9][a-zA-Z0-9_.-]+$")]
    private static partial Regex GroupPattern();

    [GeneratedRegex("^([A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?)?$")]
    private static partial Regex LabelPart();

    [GeneratedRegex("^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$")]
    private static partial Regex DnsSubdomain();

    /// <summary>A Kubernetes object name: a lowercase RFC 1123 subdomain of at most 253 characters.</summary>
    public static bool IsDnsSubdomain(string name) => name.Length is > 0 and <= 253 && DnsSubdomain().IsMatch(name);

    /// <summary>Throws a 400 naming <paramref name="field"/> unless the name matches <c>^[a-z0-9][a-z0-9_.-]+$</c> and fits.</summary>
    public static void Validate(string? name, string field, int maxLength = MaxNameLength)
    {
        if (string.IsNullOrEmpty(name))
            throw ControlPlaneException.Invalid(field, $"{field} is required");
        if (name.Length > maxLength)
            throw ControlPlaneException.Invalid(field, $"{field} {name} is longer than {maxLength} characters");
        if (!NamePattern().IsMatch(name))
            throw ControlPlaneException.Invalid(field, $"{field} {name} is invalid: it must match ^[a-z0-9][a-z0-9_.-]+$");
    }

    public static bool IsValidGroup(string group) => GroupPattern().IsMatch(group);

    /// <summary>Label keys must be Kubernetes qualified names and values valid label values.</summary>
    public static void ValidateLabels(IReadOnlyDictionary<string, string>? labels, string field)
    {
        foreach (var (key, value) in labels ?? new Dictionary<string, string>())
        {
            var slash = key.LastIndexOf('/');
            var (prefix, name) = slash < 0 ? ("", key) : (key[..slash], key[(slash + 1)..]);
            if (name.Length is 0 or > 63 || !LabelPart().IsMatch(name) || (slash >= 0 && (prefix.Length is 0 or > 253 || !DnsSubdomain().IsMatch(prefix))))
                throw ControlPlaneException.Invalid(field, $"{field} key {key} is not a valid Kubernetes qualified name");
            if (value.Length > 63 || !LabelPart().IsMatch(value))
                throw ControlPlaneException.Invalid(field, $"{field} value {value} of {key} is not a valid label value");
        }
    }

    /// <summary><c>prefix-</c> plus 16 hex digits (backup-..., snap-...).</summary>
    public static string Generate(string prefix) => Longhorn.Engine.Format.Names.Generate(prefix);

    /// <summary>GetBackupVolumeNameFromVolumeName: <c>&lt;volume&gt;-&lt;first 8 hex of sha256("&lt;volume&gt;-&lt;target&gt;")&gt;</c>.</summary>
    public static string BackupVolume(string volumeName, string backupTargetName)
    {
        var hash = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes($"{volumeName}-{backupTargetName}")));
        return $"{volumeName}-{hash[..8]}";
    }

    /// <summary>A recurring job's snapshot: the first 8 characters of <c>&lt;job&gt;-c</c>, a dash and a UUID.</summary>
    public static string RecurringJobSnapshot(string jobName)
    {
        var prefix = jobName + "-c";
        return $"{prefix[..Math.Min(8, prefix.Length)]}-{Guid.NewGuid()}";
    }

    /// <summary>A short stable hash for derived names (legacy storage-class jobs).</summary>
    public static string ShortHash(string text) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text)))[..8];
}
