using System.Diagnostics;
using Longhorn.CrashProbe;
using Longhorn.Engine.Backups;
using Longhorn.Engine.Format;
using Longhorn.Engine.Store;

namespace Longhorn.Engine.Tests.Safety;

/// <summary>
/// Real crashes: a backup runs in a child process (tests/Longhorn.CrashProbe) that kills itself with SIGKILL right after a
/// chosen write, so none of the engine's cleanup runs. The store it leaves (a live lock file, a placeholder cfg, orphan
/// blocks, a completed cfg that volume.cfg does not name yet) is inspected, then used: earlier backups restore, the next
/// backup succeeds, deletes are refused only until the dead lock expires, and GC resumes once the dead backup is gone.
/// </summary>
public sealed class RealCrashTests : IDisposable
{
    private readonly TempDirectory _dir = new();
    private readonly string _root;
    private readonly IBackupStoreDriver _driver;

    public RealCrashTests()
    {
        _root = _dir.Combine("bs");
        Directory.CreateDirectory(_root);
        _driver = new BackupStoreDrivers().Create("vfs://" + _root);
    }

    public void Dispose() => _dir.Dispose();

    private BackupStore StoreAt(DateTimeOffset now) => new(_driver, new BackupStoreOptions(), new ImmediateTimeProvider(now));

    private string Local(string storePath) => Path.Combine(_root, storePath);

    private IReadOnlyList<string> Files(string storeDirectory, string pattern) =>
        Directory.Exists(Local(storeDirectory))
            ? Directory.GetFiles(Local(storeDirectory), pattern, SearchOption.AllDirectories).Order(StringComparer.Ordinal).ToList()
            : [];

    private IReadOnlyList<string> BlockIds() =>
        Files(StorePaths.BlocksDirectory("vol1"), "*.blk").Select(f => Path.GetFileNameWithoutExtension(f)).Order(StringComparer.Ordinal).ToList();

    private async Task<byte[]> RestoreAsync(BackupStore store, string backup)
    {
        var path = _dir.Combine(Guid.NewGuid().ToString("N"));
        using (var target = new Restores.FileRestoreTarget(path)) await store.RestoreAsync("vol1", backup, target);
        return await File.ReadAllBytesAsync(path);
    }

    [Theory]
    [InlineData("lock")]
    [InlineData("placeholder")]
    [InlineData("block:1")]
    [InlineData("cfg")]
    public async Task A_backup_killed_mid_run_leaves_a_store_that_restores_backs_up_and_collects_again(string killPoint)
    {
        var store = StoreAt(DateTimeOffset.UtcNow);
        var first = await store.CreateBackupAsync(new BackupRequest { VolumeName = "vol1", SnapshotName = "s1" }, new ProbeVolume());

        var run = await Probe.RunAsync("backup", _root, "vol1", "s2", "--kill-at", killPoint, "--settle-ms", "0");
        Assert.True(run.ExitCode == 137, $"the probe was not killed: exit {run.ExitCode}: {run.Output}");
        Assert.Contains($"killed at {killPoint}", run.Output);

        // What the dead writer left: its acquired lock, and per kill point a placeholder or a cfg volume.cfg does not name.
        var lockFile = Assert.Single(Files(StorePaths.LocksDirectory("vol1"), "*.lck"));
        Assert.Contains("\"Acquired\":true", await File.ReadAllTextAsync(lockFile));
        var cfgs = Files(StorePaths.BackupsDirectory("vol1"), "*.cfg").Select(f => BackupConfig.FromJson(File.ReadAllBytes(f)) with
        {
            Name = Path.GetFileNameWithoutExtension(f)["backup_".Length..],
        }).ToList();
        var dead = cfgs.SingleOrDefault(c => c.Name != first.BackupName);
        Assert.Equal(killPoint == "lock", dead is null);
        Assert.Equal(killPoint is "placeholder" or "block:1", dead?.IsInProgress == true);
        Assert.Equal(first.BackupName, (await store.InspectVolumeAsync("vol1")).LastBackupName);
        Assert.Equal(killPoint == "block:1" ? 1 : killPoint == "cfg" ? 2 : 0, BlockIds().Count - first.Config.Blocks.Count);
        Assert.Empty(Files("backupstore", "*.tmp.*"));

        // A kill mid-write leaves the driver's temp file: nothing reads it as a block or a backup.
        if (killPoint == "block:1")
        {
            var block = Files(StorePaths.BlocksDirectory("vol1"), "*.blk")[0];
            await File.WriteAllBytesAsync($"{block[..^4]}ff.blk.tmp.1764500000000000001", new byte[100]);
            await File.WriteAllBytesAsync(Local(StorePaths.BackupConfig("vol1", "backup-torn")) + ".tmp.1764500000000000002", "{\"Name\":"u8.ToArray());
        }

        // The lock's age is measured against its file time: refused while it is live, ignored once expired.
        var lockedAt = new DateTimeOffset(File.GetLastWriteTimeUtc(lockFile), TimeSpan.Zero);
        var refused = await Assert.ThrowsAsync<BackupStoreLockException>(() => StoreAt(lockedAt.AddSeconds(140)).DeleteBackupAsync("vol1", first.BackupName));
        Assert.Contains("when performing backup delete", refused.Message);

        // Backups and restores share the dead lock's type and go on at once.
        Assert.Equal(ProbeVolume.Image("s1"), await RestoreAsync(store, first.BackupName));
        var next = await store.CreateBackupAsync(new BackupRequest { VolumeName = "vol1", SnapshotName = "s2" }, new ProbeVolume());
        Assert.Equal(ProbeVolume.Image("s2"), await RestoreAsync(store, next.BackupName));
        if (killPoint == "cfg") Assert.Equal(ProbeVolume.Image("s2"), await RestoreAsync(store, dead!.Name));

        var later = StoreAt(lockedAt.AddSeconds(149));
        var deleted = await later.DeleteBackupAsync("vol1", first.BackupName);
        if (dead is { IsInProgress: true })
        {
            Assert.Equal($"backup {dead.Name} is still in progress", deleted.GarbageCollectionSkipped);
            // The dead backup is errored; deleting it (as the control plane does) lets GC run again.
            deleted = await later.DeleteBackupAsync("vol1", dead.Name);
        }
        Assert.Null(deleted.GarbageCollectionSkipped);
        var referenced = new HashSet<string>(StringComparer.Ordinal);
        foreach (var name in await later.ListBackupNamesAsync("vol1"))
            referenced.UnionWith(BackupConfig.FromJson(await File.ReadAllBytesAsync(Local(StorePaths.BackupConfig("vol1", name)))).Blocks.Select(b => b.BlockChecksum));
        Assert.Equal(referenced.Order(StringComparer.Ordinal), BlockIds());
        Assert.Equal(referenced.Count, (await later.InspectVolumeAsync("vol1")).BlockCount);
        Assert.Equal(ProbeVolume.Image("s2"), await RestoreAsync(later, next.BackupName));
        Assert.Equal([next.BackupName], (await later.ListBackupNamesAsync("vol1")).Where(n => n != dead?.Name));

        Assert.True(await later.DeleteVolumeAsync("vol1"));
        Assert.Empty(Files("backupstore/volumes", "*"));
    }

    [Fact]
    public async Task A_backup_in_another_process_holds_its_lock_against_a_delete_from_a_third_until_it_ends()
    {
        var first = await StoreAt(DateTimeOffset.UtcNow).CreateBackupAsync(new BackupRequest { VolumeName = "vol1", SnapshotName = "s1" }, new ProbeVolume());
        var gate = _dir.Combine("gate");
        var backup = Probe.RunAsync("backup", _root, "vol1", "s2", "--gate", gate, "--settle-ms", "200");
        await Eventually.HoldsAsync(() => Files(StorePaths.LocksDirectory("vol1"), "*.lck").Any(f => File.ReadAllText(f).Contains("\"Acquired\":true")) || backup.IsCompleted,
            "the backup process to hold its lock");

        var refused = await Probe.RunAsync("delete", _root, "vol1", first.BackupName, "--settle-ms", "200");
        Assert.Equal(3, refused.ExitCode);
        Assert.Contains("lock refused: failed to acquire lock", refused.Output);
        Assert.Contains("when performing backup delete, please try again later", refused.Output);

        await File.WriteAllTextAsync(gate, "");
        var done = await backup;
        Assert.True(done.ExitCode == 0, done.Output);
        Assert.Empty(Files(StorePaths.LocksDirectory("vol1"), "*.lck"));
        var accepted = await Probe.RunAsync("delete", _root, "vol1", first.BackupName, "--settle-ms", "200");
        Assert.True(accepted.ExitCode == 0, accepted.Output);
        Assert.Contains("gc skipped: no", accepted.Output);
    }

    /// <summary>The built crash probe, run with dotnet as a child process.</summary>
    private static class Probe
    {
        public static async Task<(int ExitCode, string Output)> RunAsync(params string[] arguments)
        {
            var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
            start.ArgumentList.Add(Dll());
            foreach (var argument in arguments) start.ArgumentList.Add(argument);
            using var process = Process.Start(start)!;
            var stdout = process.StandardOutput.ReadToEndAsync();
            var stderr = process.StandardError.ReadToEndAsync();
            using var hang = new CancellationTokenSource(TimeSpan.FromMinutes(2));
            await process.WaitForExitAsync(hang.Token);
            return (process.ExitCode, await stdout + await stderr);
        }

        private static string Dll()
        {
            // Its own output (with its dependencies), beside this assembly's in the same configuration.
            var output = new DirectoryInfo(AppContext.BaseDirectory);
            var root = output;
            while (root is not null && !File.Exists(Path.Combine(root.FullName, "Longhorn.Functions.sln"))) root = root.Parent;
            Assert.NotNull(root);
            var dll = Path.Combine(root.FullName, "tests", "Longhorn.CrashProbe", "bin", output.Parent!.Name, output.Name, "Longhorn.CrashProbe.dll");
            Assert.True(File.Exists(dll), $"{dll} is not built");
            return dll;
        }
    }
}
