using System.Text;
using Longhorn.Engine.Store;

namespace Longhorn.Engine.Tests.Support;

/// <summary>
/// A backupstore for a test with a clock that never sleeps: by default a vfs:// store in a temp directory (whose files
/// the filesystem tests may inspect), or any driver, seen only through the driver API (the conformance suite).
/// </summary>
public sealed class TestStore : IDisposable
{
    private readonly TempDirectory _dir = new();
    private readonly string? _root;

    public TestStore(Func<IBackupStoreDriver, IBackupStoreDriver>? wrap = null, BackupStoreOptions? options = null)
    {
        _root = _dir.Combine("bs");
        Directory.CreateDirectory(_root);
        var fileDriver = new BackupStoreDrivers().Create("vfs://" + _root);
        Driver = wrap is null ? fileDriver : wrap(fileDriver);
        Time = new ImmediateTimeProvider();
        Options = options ?? DefaultOptions;
        Store = new BackupStore(Driver, Options, Time);
    }

    /// <summary>A store on any driver (S3, a decorated filesystem); only the driver API reaches its objects.</summary>
    public TestStore(IBackupStoreDriver driver, BackupStoreOptions? options = null, ImmediateTimeProvider? time = null)
    {
        Driver = driver;
        Time = time ?? new ImmediateTimeProvider();
        Options = options ?? DefaultOptions;
        Store = new BackupStore(Driver, Options, Time);
    }

    private static BackupStoreOptions DefaultOptions => new() { RestoreRetryDelays = [TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(5)] };

    /// <summary>The local root of a filesystem store.</summary>
    public string Root => _root ?? throw new InvalidOperationException($"{Driver.Url} is not a local filesystem store");

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

    /// <summary>Every object below a store directory, through the driver's List and FileExists, sorted.</summary>
    public async Task<IReadOnlyList<string>> ObjectsAsync(string directory = "backupstore")
    {
        var found = new List<string>();
        foreach (var name in await Driver.ListAsync(directory, CancellationToken.None))
        {
            var path = directory.TrimEnd('/') + "/" + name;
            if (await Driver.FileExistsAsync(path, CancellationToken.None)) found.Add(path);
            found.AddRange(await ObjectsAsync(path));
        }
        return found.Order(StringComparer.Ordinal).ToList();
    }

    public async Task<byte[]> ReadBytesAsync(string storePath)
    {
        await using var stream = await Driver.ReadAsync(storePath, CancellationToken.None);
        using var buffer = new MemoryStream();
        await stream.CopyToAsync(buffer);
        return buffer.ToArray();
    }

    public async Task<string> ReadTextAsync(string storePath) => Encoding.UTF8.GetString(await ReadBytesAsync(storePath));

    public Task WriteTextAsync(string storePath, string text) => Driver.WriteAsync(storePath, Encoding.UTF8.GetBytes(text), CancellationToken.None).AsTask();

    public async Task<byte[]> RestoreToBytesAsync(string volume, string backup)
    {
        var path = Scratch(Guid.NewGuid().ToString("N") + ".img");
        using (var target = new Longhorn.Engine.Restores.FileRestoreTarget(path))
            await Store.RestoreAsync(volume, backup, target);
        var bytes = await File.ReadAllBytesAsync(path);
        File.Delete(path);
        return bytes;
    }

    public void Dispose()
    {
        (Driver as IDisposable)?.Dispose();
        _dir.Dispose();
    }
}
