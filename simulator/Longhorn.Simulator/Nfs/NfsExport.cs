using Longhorn.Engine.Store;

namespace Longhorn.Simulator.Nfs;

/// <summary>
/// An emulated NFS export: a directory at the place Longhorn would mount <c>nfs://server:/path</c> under the drivers'
/// mount root, and, once attached, every nfs:// driver wrapped in a <see cref="FaultInjectingDriver"/> with these faults.
/// </summary>
public sealed class NfsExport
{
    private readonly List<FaultInjectingDriver> _drivers = [];
    private NfsFaults _faults;

    public NfsExport(string server, string exportPath, NfsFaults? faults = null)
    {
        if (server.Length == 0 || !exportPath.StartsWith('/') || exportPath.Split('/').Contains(".."))
            throw new ArgumentException($"invalid NFS export {server}:{exportPath}: expected a server and an absolute path without '..'");
        Server = server;
        ExportPath = exportPath;
        _faults = (faults ?? NfsFaults.None).Validated();
    }

    public string Server { get; }
    public string ExportPath { get; }

    /// <summary>The backup target URL of the export.</summary>
    public string TargetUrl => $"nfs://{Server}:{ExportPath}";

    /// <summary>The faults of every driver of this export; changing them takes effect at once.</summary>
    public NfsFaults Faults
    {
        get => _faults;
        set
        {
            _faults = value.Validated();
            lock (_drivers) foreach (var driver in _drivers) driver.Faults = _faults;
        }
    }

    /// <summary>Creates the export directory under the drivers' mount root and makes nfs:// drivers pass through the faults.</summary>
    public string Attach(BackupStoreDrivers drivers, TimeProvider? time = null)
    {
        var directory = Path.Combine(drivers.Options.MountRoot, Server.Replace('.', '_'), ExportPath.TrimStart('/'));
        Directory.CreateDirectory(directory);
        drivers.Decorate("nfs", inner =>
        {
            var driver = new FaultInjectingDriver(inner, _faults, time);
            lock (_drivers) _drivers.Add(driver);
            return driver;
        });
        return directory;
    }
}
