using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Longhorn.Functions.Tests.Support;

/// <summary>The real host in-process on a temporary data dir, with a manual clock and fast lock settling.</summary>
public sealed class FunctionHost : WebApplicationFactory<Program>
{
    private readonly string _dataDir;
    private readonly string _mountRoot;
    private readonly bool _ownsMountRoot;

    private readonly Dictionary<string, string> _settings;
    private readonly Action<IServiceCollection>? _services;
    private readonly bool _ownsDataDir;

    /// <param name="dataDir">An existing data dir to start on (a restart); the caller deletes it.</param>
    /// <param name="services">Replaces services after the host's own (test doubles at the edges).</param>
    public FunctionHost(ManualClock? clock = null, string? mountRoot = null, Dictionary<string, string>? settings = null, string? dataDir = null,
        Action<IServiceCollection>? services = null)
    {
        _settings = settings ?? [];
        _services = services;
        Clock = clock ?? ManualClock.AtHalfMinute();
        _ownsDataDir = dataDir is null;
        _dataDir = dataDir ?? Directory.CreateTempSubdirectory("lh-host-").FullName;
        _ownsMountRoot = mountRoot is null;
        _mountRoot = mountRoot ?? Directory.CreateTempSubdirectory("lh-mounts-").FullName;
    }

    public ManualClock Clock { get; }

    public string MountRoot => _mountRoot;

    public string DataDir => _dataDir;

    public Api Api => new(CreateClient());

    /// <summary>Serves the host on Kestrel on a free loopback port instead of the in-memory test server (for a browser); returns its address.</summary>
    public Uri StartOnFreePort()
    {
        UseKestrel(0);
        StartServer();
        var addresses = Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses;
        return new Uri(addresses.First());
    }

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        builder.UseSetting("Longhorn:DataDir", _dataDir);
        builder.UseSetting("Longhorn:BackupstoreMountRoot", _mountRoot);
        builder.UseSetting("Longhorn:LockSettleTimeSeconds", "0");
        builder.UseSetting("Longhorn:RestoreRetryDelaySeconds", "0");
        builder.UseSetting("Logging:LogLevel:Default", "Warning");
        // Each in-process host serves its Kubernetes API on a free port, so hosts in parallel tests never collide.
        builder.UseSetting("Host:KubernetesPort", "0");
        foreach (var (key, value) in _settings) builder.UseSetting(key, value);
        builder.ConfigureTestServices(services =>
        {
            services.RemoveAll<TimeProvider>();
            services.AddSingleton<TimeProvider>(Clock);
            _services?.Invoke(services);
        });
    }

    protected override void Dispose(bool disposing)
    {
        base.Dispose(disposing);
        if (!disposing) return;
        if (_ownsDataDir) TryDelete(_dataDir);
        if (_ownsMountRoot) TryDelete(_mountRoot);
    }

    public static void TryDelete(string directory)
    {
        try
        {
            Directory.Delete(directory, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
