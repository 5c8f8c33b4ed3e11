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
        if (url.Any(char.IsControl))
            throw ControlPlaneException.Invalid("backupTargetURL", "backupTargetURL is invalid: it contains a control character (NUL, newline, ...)");
        if (scheme is "nfs" or "cifs" or "vfs" && path.Split('/').Any(segment => segment is ".." or "."))
            throw ControlPlaneException.Invalid("backupTargetURL", $"backupTargetURL {url} is invalid: the path may not contain '.' or '..' segments");
    }

    /// <summary>
    /// A <c>vfs://</c> target writes a backupstore into a local directory: only under the configured roots
    /// (<c>Longhorn:AllowedVfsRoots</c>, default the data directory), so a request cannot make the host write anywhere it can.
    /// </summary>
    public static void CheckVfsRoot(string url, IReadOnlyList<string> roots)
    {
        if (Scheme(url) != "vfs") return;
        var path = url[6..].Split('?')[0];
        if (!Path.IsPathRooted(path))
            throw ControlPlaneException.Invalid("backupTargetURL", $"backupTargetURL {url} is invalid: a vfs:// target needs an absolute path");
        var full = Path.GetFullPath(path).TrimEnd('/');
        if (!roots.Any(root => full == root.TrimEnd('/') || full.StartsWith(root.TrimEnd('/') + "/", StringComparison.Ordinal)))
            throw ControlPlaneException.Invalid("backupTargetURL",
                $"backupTargetURL {url} is outside the directories vfs:// targets may use ({string.Join(", ", roots)}); set Longhorn:AllowedVfsRoots to allow another");
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
