using Longhorn.Engine;
using Longhorn.Engine.Store;
using Longhorn.Simulator.Nfs;

namespace Longhorn.Simulator.Tests.Nfs;

/// <summary>The emulated NFS export sits at Longhorn's mount path and injects latency, EIO and ENOSPC, repeatably by seed.</summary>
public sealed class NfsExportTests : IDisposable
{
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    private (BackupStoreDrivers Drivers, NfsExport Export, string Directory) Attach(NfsFaults faults)
    {
        var drivers = new BackupStoreDrivers(new BackupStoreDriverOptions { MountRoot = _dir.Combine("mounts") });
        var export = new NfsExport("10.0.0.1", "/export/lh", faults);
        return (drivers, export, export.Attach(drivers));
    }

    [Fact]
    public async Task The_export_is_the_directory_longhorn_mounts_and_works_without_faults()
    {
        var (drivers, export, directory) = Attach(NfsFaults.None);
        Assert.Equal(_dir.Combine("mounts", "10_0_0_1", "export", "lh"), directory);
        var driver = drivers.Create(export.TargetUrl);
        await driver.WriteAsync("backupstore/a.cfg", "{}"u8.ToArray(), default);
        Assert.True(File.Exists(Path.Combine(directory, "backupstore", "a.cfg")));
    }

    [Fact]
    public async Task Writes_fail_with_enospc_and_operations_with_eio_as_the_seed_decides()
    {
        var (drivers, export, _) = Attach(new NfsFaults { NoSpaceRate = 0.3, IoErrorRate = 0.2, Seed = 4 });
        async Task<List<string>> RunAsync()
        {
            var driver = drivers.Create(export.TargetUrl);
            var outcomes = new List<string>();
            for (var i = 0; i < 30; i++)
            {
                try
                {
                    await driver.WriteAsync($"backupstore/f{i}.blk", new byte[8], default);
                    outcomes.Add("ok");
                }
                catch (BackupStoreException e)
                {
                    Assert.Contains($"backupstore/f{i}.blk", e.Message);
                    outcomes.Add(e.Message[(e.Message.LastIndexOf(':') + 2)..]);
                }
            }
            return outcomes;
        }
        var first = await RunAsync();
        Assert.Contains("No space left on device", first);
        Assert.Contains("Input/output error", first);
        Assert.Contains("ok", first);
        Assert.Equal(first, await RunAsync());
    }

    [Fact]
    public async Task Faults_change_at_once_and_latency_uses_the_clock()
    {
        var (drivers, export, _) = Attach(NfsFaults.None);
        var driver = drivers.Create(export.TargetUrl);
        export.Faults = new NfsFaults { IoErrorRate = 1 };
        var e = await Assert.ThrowsAsync<BackupStoreException>(async () => await driver.ListAsync("backupstore", default));
        Assert.Contains("Input/output error", e.Message);
        Assert.Equal(5, Assert.IsType<IOException>(e.InnerException).HResult);
        export.Faults = new NfsFaults { LatencyMs = 200 };
        var clock = System.Diagnostics.Stopwatch.StartNew();
        await driver.FileExistsAsync("backupstore/none", default);
        Assert.True(clock.ElapsedMilliseconds >= 190);
        Assert.Throws<ArgumentException>(() => export.Faults = new NfsFaults { IoErrorRate = 0.8, NoSpaceRate = 0.5 });
    }
}
