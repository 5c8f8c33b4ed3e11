using Longhorn.Engine.Store;

namespace Longhorn.Engine.Tests.Conformance;

/// <summary>The conformance suite on a vfs:// store in a temp directory.</summary>
public sealed class FileSystemStoreConformanceTests : StoreConformanceTests, IDisposable
{
    private readonly TempDirectory _dir = new();

    protected override Task<IBackupStoreDriver> CreateDriverAsync() => new BackupStoreDrivers().CreateAsync("vfs://" + _dir.Combine("bs"));

    public void Dispose() => _dir.Dispose();
}
