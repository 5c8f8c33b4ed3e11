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
        var names = await WalkAsync(driver, StorePaths.VolumesDirectory, cancellationToken).ConfigureAwait(false);
        return names.Order(StringComparer.Ordinal).ToList();
    }

    public static async Task<IReadOnlyList<string>> ListBlockIdsAsync(IBackupStoreDriver driver, string volumeName,
        CancellationToken cancellationToken)
    {
        var files = await WalkAsync(driver, StorePaths.BlocksDirectory(volumeName), cancellationToken).ConfigureAwait(false);
        return StorePaths.ExtractNames(files, "", StorePaths.BlockSuffix).Where(BlockId.IsValid).ToList();
    }

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
                lock (results) results.AddRange(entries);
            }).ConfigureAwait(false);
        return results;
    }
}
