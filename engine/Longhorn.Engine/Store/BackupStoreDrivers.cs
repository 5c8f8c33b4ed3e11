namespace Longhorn.Engine.Store;

/// <summary>Settings for turning backup target URLs into drivers.</summary>
public sealed record BackupStoreDriverOptions
{
    /// <summary>Where <c>nfs://</c> and <c>cifs://</c> targets are "mounted"; Longhorn uses /var/lib/longhorn-backupstore-mounts.</summary>
    public string MountRoot { get; init; } = "/var/lib/longhorn-backupstore-mounts";

    /// <summary>Records each temp file the filesystem drivers write, so a killed writer can remove its own at its next start.</summary>
    public IStoreFileJournal? FileJournal { get; init; }
}

/// <summary>
/// Creates the driver for a target URL by scheme (Longhorn's GetBackupStoreDriver): vfs, nfs and cifs built in; other
/// schemes are registered by the program that composes the drivers (<c>AddS3</c> for s3).
/// </summary>
public sealed class BackupStoreDrivers
{
    /// <summary>Creates a driver for one scheme from the parsed URL and the target's credential values.</summary>
    public delegate IBackupStoreDriver Factory(Uri url, string rawUrl, IReadOnlyDictionary<string, string> credentials);

    private readonly Dictionary<string, Factory> _factories = new(StringComparer.Ordinal);

    public BackupStoreDrivers(BackupStoreDriverOptions? options = null)
    {
        Options = options ?? new BackupStoreDriverOptions();
        _factories["vfs"] = (u, raw, _) => CreateVfs(u, raw);
        _factories["nfs"] = (u, raw, _) => CreateNfs(u, raw);
        _factories["cifs"] = (u, raw, _) => CreateCifs(u, raw);
    }

    public BackupStoreDriverOptions Options { get; }

    /// <summary>Adds or replaces the factory of a scheme (<c>AddS3</c> registers <c>s3</c>).</summary>
    public void Register(string scheme, Factory factory) => _factories[scheme] = factory;

    /// <summary>Wraps every driver the scheme's factory creates (fault injection, recording).</summary>
    public void Decorate(string scheme, Func<IBackupStoreDriver, IBackupStoreDriver> decorator)
    {
        if (!_factories.TryGetValue(scheme, out var inner)) throw new ArgumentException($"no driver is registered for scheme {scheme}");
        _factories[scheme] = (url, raw, credentials) => decorator(inner(url, raw, credentials));
    }

    public IEnumerable<string> Schemes => _factories.Keys.Order(StringComparer.Ordinal);

    /// <summary>Parses the target URL and creates its driver; errors name the target.</summary>
    public IBackupStoreDriver Create(string targetUrl, IReadOnlyDictionary<string, string>? credentials = null)
    {
        if (string.IsNullOrWhiteSpace(targetUrl))
            throw new BackupStoreArgumentException("backup target URL is empty");
        if (!Uri.TryCreate(targetUrl, UriKind.Absolute, out var url) || targetUrl.IndexOf("://", StringComparison.Ordinal) < 0)
            throw new BackupStoreArgumentException($"invalid backup target URL {targetUrl}: not an absolute URL");
        if (!_factories.TryGetValue(url.Scheme, out var factory))
            throw new BackupStoreArgumentException(
                $"invalid backup target URL {targetUrl}: unsupported scheme {url.Scheme}; supported: {string.Join(", ", Schemes)}");
        return factory(url, targetUrl, credentials ?? new Dictionary<string, string>());
    }

    /// <summary>
    /// Creates the driver and tests the connection as Longhorn's driver init does (a listing of the root), so a wrong
    /// endpoint, bucket or key fails here, naming the target, before anything is written.
    /// </summary>
    public async Task<IBackupStoreDriver> CreateAsync(string targetUrl, IReadOnlyDictionary<string, string>? credentials = null,
        CancellationToken cancellationToken = default)
    {
        var driver = Create(targetUrl, credentials);
        try
        {
            await driver.ListAsync("", cancellationToken).ConfigureAwait(false);
            return driver;
        }
        catch (BackupStoreException e)
        {
            (driver as IDisposable)?.Dispose();
            throw new BackupStoreException($"backup target {targetUrl} is not available: {e.Message}", e);
        }
    }

    private IBackupStoreDriver CreateVfs(Uri url, string raw)
    {
        if (!string.IsNullOrEmpty(url.Host) || string.IsNullOrEmpty(url.AbsolutePath) || url.AbsolutePath == "/")
            throw new BackupStoreArgumentException($"invalid backup target URL {raw}: expected vfs:///<absolute path>");
        var path = Uri.UnescapeDataString(url.AbsolutePath);
        return new FileSystemDriver("vfs://" + path, path, Options.FileJournal);
    }

    private IBackupStoreDriver CreateNfs(Uri url, string raw)
    {
        // nfs://<server>:/<export>; the host keeps its trailing ':' in Go, which Uri drops along with the empty port.
        var (host, path) = HostAndPath(raw, "nfs");
        if (host.Length == 0 || path.Length <= 1)
            throw new BackupStoreArgumentException($"invalid backup target URL {raw}: expected nfs://<server>:/<export path>");
        var mount = Path.Combine(Options.MountRoot, host.TrimEnd(':').Replace('.', '_'), path.TrimStart('/'));
        return new FileSystemDriver(raw.Split('?')[0], mount, Options.FileJournal);
    }

    private IBackupStoreDriver CreateCifs(Uri url, string raw)
    {
        var (host, path) = HostAndPath(raw, "cifs");
        if (host.Length == 0 || path.Length <= 1)
            throw new BackupStoreArgumentException($"invalid backup target URL {raw}: expected cifs://<server>/<share>");
        var mount = Path.Combine(Options.MountRoot, host.Replace('.', '_'), path.TrimStart('/'));
        return new FileSystemDriver(raw.Split('?')[0], mount, Options.FileJournal);
    }

    private static (string Host, string Path) HostAndPath(string raw, string scheme)
    {
        var rest = raw[(scheme.Length + 3)..].Split('?')[0];
        var slash = rest.IndexOf('/', StringComparison.Ordinal);
        var (host, path) = slash < 0 ? (rest, "") : (rest[..slash], rest[slash..]);
        if (path.Split('/').Any(segment => segment == ".."))
            throw new BackupStoreArgumentException($"invalid backup target URL {raw}: the path may not contain '..'");
        return (host, path);
    }
}
