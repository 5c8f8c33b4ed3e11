using Longhorn.Engine.Store;

namespace Longhorn.Engine.Tests.Support;

/// <summary>A vfs:// backupstore in a temp directory with a clock that never sleeps.</summary>
public sealed class TestStore : IDisposable
{
    private readonly TempDirectory _dir = new();

    public TestStore(Func<IBackupStoreDriver, IBackupStoreDriver>? wrap = null, BackupStoreOptions? options = null)
    {
        Root = _dir.Combine("bs");
        Directory.CreateDirectory(Root);
        FileDriver = (FileSystemDriver)new BackupStoreDrivers().Create("vfs://" + Root);
        Driver = wrap is null ? FileDriver : wrap(FileDriver);
        Time = new ImmediateTimeProvider();
        Options = options ?? new BackupStoreOptions { RestoreRetryDelays = [TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(5)] };
        Store = new BackupStore(Driver, Options, Time);
    }

    public string Root { get; }
    public FileSystemDriver FileDriver { get; }
    public IBackupStoreDriver Driver { get; }
    public ImmediateTimeProvider Time { get; }
    public BackupStoreOptions Options { get; }
    public BackupStore Store { get; }

    public string Scratch(string name) => _dir.Combine(name);

    public string Local(string storePath) => Path.Combine(Root, storePath);

    /// <summary>Every file under the store root, as relative paths, sorted.</summary>
    public IReadOnlyList<string> Files() =>
        Directory.EnumerateFiles(Root, "*", SearchOption.AllDirectories)
            .Select(f => Path.GetRelativePath(Root, f))
            .Order(StringComparer.Ordinal)
            .ToList();

    /// <summary>A snapshot of every file's bytes, to check that nothing changed.</summary>
    public IReadOnlyDictionary<string, string> Contents() =>
        Files().ToDictionary(f => f, f => Convert.ToHexString(File.ReadAllBytes(Local(f))));

    public async Task<byte[]> RestoreToBytesAsync(string volume, string backup)
    {
        var path = Scratch(Guid.NewGuid().ToString("N") + ".img");
        using (var target = new Longhorn.Engine.Restores.FileRestoreTarget(path))
            await Store.RestoreAsync(volume, backup, target);
        var bytes = await File.ReadAllBytesAsync(path);
        File.Delete(path);
        return bytes;
    }

    public void Dispose() => _dir.Dispose();
}
