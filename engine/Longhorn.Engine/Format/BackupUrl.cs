using System.Text;

namespace Longhorn.Engine.Format;

/// <summary>
/// Longhorn's backup URLs: the target URL with <c>backup</c> and <c>volume</c> query parameters, all query keys
/// sorted and escaped as Go's url.Values.Encode does (backupstore.go EncodeBackupURL / DecodeBackupURL).
/// </summary>
public static class BackupUrl
{
    /// <summary>Adds volume (and backup, when given) to the target URL, keeping other query parameters.</summary>
    public static string Encode(string targetUrl, string volumeName, string? backupName = null)
    {
        var (basePart, query) = Split(targetUrl);
        var values = ParseQuery(query);
        if (!string.IsNullOrEmpty(backupName)) values["backup"] = [backupName];
        values["volume"] = [volumeName];
        return basePart + "?" + EncodeQuery(values);
    }

    /// <summary>Splits a backup URL into its target URL, volume and backup (empty when the URL names a volume only).</summary>
    public static (string TargetUrl, string VolumeName, string BackupName) Decode(string backupUrl)
    {
        var (basePart, query) = Split(backupUrl);
        var values = ParseQuery(query);
        if (!values.Remove("volume", out var volumes) || volumes.Count == 0 || !Names.IsValid(volumes[0]))
            throw new BackupStoreArgumentException($"invalid backup URL {backupUrl}: missing or invalid volume name");
        var backup = "";
        if (values.Remove("backup", out var backups) && backups.Count > 0)
        {
            backup = backups[0];
            if (!Names.IsValid(backup))
                throw new BackupStoreArgumentException($"invalid backup URL {backupUrl}: invalid backup name {backup}");
        }
        var target = values.Count == 0 ? basePart : basePart + "?" + EncodeQuery(values);
        return (target, volumes[0], backup);
    }

    private static (string Base, string Query) Split(string url)
    {
        var q = url.IndexOf('?', StringComparison.Ordinal);
        return q < 0 ? (url, "") : (url[..q], url[(q + 1)..]);
    }

    private static SortedDictionary<string, List<string>> ParseQuery(string query)
    {
        var values = new SortedDictionary<string, List<string>>(StringComparer.Ordinal);
        foreach (var pair in query.Split('&', StringSplitOptions.RemoveEmptyEntries))
        {
            var eq = pair.IndexOf('=', StringComparison.Ordinal);
            var key = Unescape(eq < 0 ? pair : pair[..eq]);
            var value = eq < 0 ? "" : Unescape(pair[(eq + 1)..]);
            if (!values.TryGetValue(key, out var list)) values[key] = list = [];
            list.Add(value);
        }
        return values;
    }

    private static string EncodeQuery(SortedDictionary<string, List<string>> values) =>
        string.Join('&', values.SelectMany(kv => kv.Value.Select(v => Escape(kv.Key) + "=" + Escape(v))));

    /// <summary>Go's url.QueryEscape: unreserved bytes kept, space as +, everything else %XX.</summary>
    private static string Escape(string s)
    {
        var sb = new StringBuilder();
        foreach (var b in Encoding.UTF8.GetBytes(s))
        {
            var c = (char)b;
            if (char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.' or '~') sb.Append(c);
            else if (c == ' ') sb.Append('+');
            else sb.Append('%').Append(b.ToString("X2", System.Globalization.CultureInfo.InvariantCulture));
        }
        return sb.ToString();
    }

    private static string Unescape(string s) => Uri.UnescapeDataString(s.Replace('+', ' '));
}
