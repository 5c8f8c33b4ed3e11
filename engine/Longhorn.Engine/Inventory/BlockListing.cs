using Longhorn.Engine.Blocks;
using Longhorn.Engine.Format;
using Longhorn.Engine.Store;

namespace Longhorn.Engine.Inventory;

/// <summary>The three-level walks of the store: volume names under <c>volumes/xx/yy/</c> and block ids under <c>blocks/xx/yy/</c>.</summary>
internal static class BlockListing
{
    private const int ListingParallelism = 16;

    public static async Task<IReadOnlyList<string>> ListVolumeNamesAsync(IBackupStoreDriver driver, CancellationToken cancellationToken)
    {
        var paths = await WalkAsync(driver, StorePaths.VolumesDirectory, cancellationToken).ConfigureAwait(false);
        return paths.Select(NameOf).Order(StringComparer.Ordinal).ToList();
    }

    public static async Task<IReadOnlyList<string>> ListBlockIdsAsync(IBackupStoreDriver driver, string volumeName,
        CancellationToken cancellationToken)
    {
        var files = await ListBlockFilesAsync(driver, volumeName, cancellationToken).ConfigureAwait(false);
        return StorePaths.ExtractNames(files.Select(NameOf), "", StorePaths.BlockSuffix).Where(BlockId.IsValid).ToList();
    }

    /// <summary>The store path of every entry under <c>blocks/xx/yy/</c>: block objects and anything else left there (temp files).</summary>
    public static async Task<IReadOnlyList<string>> ListBlockFilesAsync(IBackupStoreDriver driver, string volumeName,
        CancellationToken cancellationToken)
    {
        var root = StorePaths.BlocksDirectory(volumeName);
        if (driver is not ITreeListingDriver lister)
            return await WalkAsync(driver, root, cancellationToken).ConfigureAwait(false);
        // One listing of the tree (S3: a request per 1,000 names, not one per folder), kept to the walk's third level.
        var files = await lister.ListTreeAsync(root, cancellationToken).ConfigureAwait(false);
        return files.Where(f => f.Count(c => c == '/') == 2).Select(f => $"{root}/{f}").ToList();
    }

    private static string NameOf(string path) => path[(path.LastIndexOf('/') + 1)..];

    private static async Task<List<string>> WalkAsync(IBackupStoreDriver driver, string root, CancellationToken cancellationToken)
    {
        var level1 = await driver.ListAsync(root, cancellationToken).ConfigureAwait(false);
        var level2 = new List<string>();
        foreach (var a in level1)
            foreach (var b in await driver.ListAsync($"{root}/{a}", cancellationToken).ConfigureAwait(false))
                level2.Add($"{root}/{a}/{b}");
        var results = new List<string>();
        await Parallel.ForEachAsync(level2, new ParallelOptions { MaxDegreeOfParallelism = ListingParallelism, CancellationToken = cancellationToken },
            async (dir, ct) =>
            {
                var entries = await driver.ListAsync(dir, ct).ConfigureAwait(false);
                lock (results) results.AddRange(entries.Select(entry => $"{dir}/{entry}"));
            }).ConfigureAwait(false);
        return results;
    }
}
