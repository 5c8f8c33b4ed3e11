using System.Net;
using System.Security.Cryptography;

namespace Longhorn.Functions.Hosting;

/// <summary>
/// The keys the embedded host asks for, as the Azure Functions host does: none while it listens on loopback only (like
/// <c>func start</c>); otherwise a <c>Function</c>-level function needs a function key or the master key, an <c>Admin</c>
/// one the master key, sent as the <c>x-functions-key</c> header or the <c>code</c> query parameter.
/// </summary>
public sealed class FunctionKeys
{
    public const string Section = "FunctionKeys";
    public const string KeyFileName = "function.key";

    private readonly HashSet<string> _functionKeys;
    private readonly string? _masterKey;

    public FunctionKeys(bool enforced, IEnumerable<string> functionKeys, string? masterKey, string? keyFile = null)
    {
        Enforced = enforced;
        _functionKeys = functionKeys.Where(k => k.Length > 0).ToHashSet(StringComparer.Ordinal);
        _masterKey = string.IsNullOrEmpty(masterKey) ? null : masterKey;
        KeyFile = keyFile;
    }

    public bool Enforced { get; }

    /// <summary>Where a generated default key was written, when the settings named none.</summary>
    public string? KeyFile { get; }

    /// <summary>
    /// Keys from settings (<c>FunctionKeys:Master</c>, <c>FunctionKeys:&lt;name&gt;</c> for function keys). Bound beyond
    /// loopback with no function key set, a default key is generated once into the data directory (mode 0600).
    /// </summary>
    public static FunctionKeys FromConfiguration(IConfiguration configuration, string listenAddress, string dataDir)
    {
        var enforced = !IsLoopback(listenAddress);
        var section = configuration.GetSection(Section);
        var master = section["Master"];
        var keys = section.GetChildren().Where(c => !string.Equals(c.Key, "Master", StringComparison.OrdinalIgnoreCase) && !string.IsNullOrEmpty(c.Value))
            .Select(c => c.Value!).ToList();
        if (!enforced || keys.Count > 0 || !string.IsNullOrEmpty(master)) return new FunctionKeys(enforced, keys, master);
        var file = Path.Combine(Path.GetFullPath(dataDir), KeyFileName);
        return new FunctionKeys(enforced, [ReadOrCreateKey(file)], master, file);
    }

    public static bool IsLoopback(string address) =>
        string.Equals(address, "localhost", StringComparison.OrdinalIgnoreCase)
        || (IPAddress.TryParse(address.Trim('[', ']'), out var ip) && IPAddress.IsLoopback(ip));

    public bool Allows(HttpRequest request, AuthLevel level)
    {
        if (!Enforced || level == AuthLevel.Anonymous) return true;
        var key = request.Headers["x-functions-key"].ToString();
        if (key.Length == 0) key = request.Query["code"].ToString();
        if (key.Length == 0) return false;
        if (_masterKey is not null && FixedTimeEquals(key, _masterKey)) return true;
        return level == AuthLevel.Function && _functionKeys.Any(k => FixedTimeEquals(key, k));
    }

    private static bool FixedTimeEquals(string a, string b) =>
        CryptographicOperations.FixedTimeEquals(System.Text.Encoding.UTF8.GetBytes(a), System.Text.Encoding.UTF8.GetBytes(b));

    private static string ReadOrCreateKey(string file)
    {
        if (File.Exists(file)) return File.ReadAllText(file).Trim();
        Directory.CreateDirectory(Path.GetDirectoryName(file)!);
        var key = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)).TrimEnd('=').Replace('+', '-').Replace('/', '_');
        using (var stream = new FileStream(file, new FileStreamOptions
               {
                   Mode = FileMode.CreateNew, Access = FileAccess.Write, UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite,
               }))
        using (var writer = new StreamWriter(stream))
        {
            writer.Write(key);
        }
        return key;
    }
}
