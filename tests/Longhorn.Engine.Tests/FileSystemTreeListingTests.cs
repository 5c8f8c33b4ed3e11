using Longhorn.Engine.Store;
using Longhorn.Engine.Tests.Support;

namespace Longhorn.Engine.Tests;

/// <summary>
/// The filesystem driver's tree listing (what GC, the store check and a backup's block presence read): every file below a
/// folder at any depth, named relative to it with '/', hidden files and folders left out, a missing folder empty.
/// </summary>
public sealed class FileSystemTreeListingTests : IDisposable
{
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    [Fact]
    public async Task A_tree_lists_every_file_below_it_at_any_depth_and_leaves_hidden_ones_out()
    {
        var root = _dir.Combine("bs");
        var tree = Path.Combine(root, "backupstore", "volumes", "blocks");
        string[] files = ["top.blk", "ab/one.blk", "ab/cd/two.blk", "ab/cd/two.blk.tmp.1", "ef/gh/three.blk", "ef/gh/ij/deep.blk"];
        string[] hidden = [".hidden", "ab/.hidden.blk", ".folder/ab/cd/x.blk", "ef/.folder/y.blk"];
        foreach (var file in files.Concat(hidden))
        {
            Directory.CreateDirectory(Path.GetDirectoryName(Path.Combine(tree, file))!);
            await File.WriteAllBytesAsync(Path.Combine(tree, file), [1]);
        }
        Directory.CreateDirectory(Path.Combine(tree, "empty", "folder"));
        var driver = (ITreeListingDriver)new BackupStoreDrivers().Create("vfs://" + root);

        Assert.Equal(files.Order(StringComparer.Ordinal), (await driver.ListTreeAsync("backupstore/volumes/blocks", CancellationToken.None)).Order(StringComparer.Ordinal));
        Assert.Equal(files.Order(StringComparer.Ordinal), (await driver.ListTreeAsync("backupstore/volumes/blocks/", CancellationToken.None)).Order(StringComparer.Ordinal));
        Assert.Equal(["cd/two.blk", "cd/two.blk.tmp.1", "one.blk"], (await driver.ListTreeAsync("backupstore/volumes/blocks/ab", CancellationToken.None)).Order(StringComparer.Ordinal));
        Assert.Empty(await driver.ListTreeAsync("backupstore/volumes/missing", CancellationToken.None));
    }
}
