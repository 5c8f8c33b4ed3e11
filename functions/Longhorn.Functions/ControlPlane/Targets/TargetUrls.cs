namespace Longhorn.Functions.ControlPlane.Targets;

/// <summary>Longhorn's backup target URL rules (backuptarget validator).</summary>
public static class TargetUrls
{
    /// <summary>Longhorn's schemes plus <c>vfs</c>, the engine's local-directory store.</summary>
    public static readonly IReadOnlyList<string> Schemes = ["s3", "nfs", "cifs", "azblob", "vfs"];

    public static readonly IReadOnlyList<string> CredentialSchemes = ["s3", "cifs", "azblob"];

    public static string Scheme(string url)
    {
        var end = url.IndexOf("://", StringComparison.Ordinal);
        return end < 0 ? "" : url[..end].ToLowerInvariant();
    }

    /// <summary>Throws a 400 naming backupTargetURL unless the URL is acceptable (an empty URL is: it disables the target).</summary>
    public static void Validate(string url)
    {
        if (url.Length == 0) return;
        var scheme = Scheme(url);
        if (!Schemes.Contains(scheme))
            throw ControlPlaneException.Invalid("backupTargetURL", $"backupTargetURL {url} is invalid: the scheme must be one of {string.Join(", ", Schemes)}");
        var path = url[(scheme.Length + 3)..].Split('?')[0];
        if (path.Contains(',') || (scheme != "cifs" && path.Contains('$')))
            throw ControlPlaneException.Invalid("backupTargetURL", $"backupTargetURL {url} is invalid: the path may not contain '$' or ','");
    }

    /// <summary>What two targets may not share: the whole URL lowercased (s3, azblob) or host and path, trailing '/' trimmed.</summary>
    public static string Identity(string url)
    {
        var scheme = Scheme(url);
        var rest = url.Length > scheme.Length + 3 ? url[(scheme.Length + 3)..] : url;
        return scheme is "nfs" or "cifs" or "vfs"
            ? scheme + "://" + rest.Split('?')[0].TrimEnd('/').ToLowerInvariant()
            : url.ToLowerInvariant();
    }
}
