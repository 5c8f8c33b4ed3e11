using Longhorn.Engine.Blocks;
using Longhorn.Engine.Format;
using Longhorn.Engine.Store;

namespace Longhorn.Engine.Backups;

/// <summary>
/// Which blocks of a backup volume are already in the store, at the fewest requests: one listing of the volume's
/// <c>blocks/</c> (a request per page of names) where the driver lists trees and the backup has more blocks to decide
/// than the listing has pages, otherwise a HEAD (a stat on a filesystem) per block, as Longhorn does.
/// </summary>
internal sealed class BlockPresence
{
    private readonly IBackupStoreDriver _driver;
    private readonly string _volumeName;
    private readonly long _storedBlocks;
    private readonly HashSet<string>? _listed;

    private BlockPresence(IBackupStoreDriver driver, string volumeName, long storedBlocks, HashSet<string>? listed)
    {
        _driver = driver;
        _volumeName = volumeName;
        _storedBlocks = storedBlocks;
        _listed = listed;
    }

    /// <param name="storedBlocks">The volume's block count as volume.cfg has it (0 for a new volume): the listing's size.</param>
    /// <param name="blocksToDecide">How many blocks the backup may ask about.</param>
    public static async Task<BlockPresence> CreateAsync(IBackupStoreDriver driver, string volumeName, long storedBlocks,
        int blocksToDecide, CancellationToken cancellationToken)
    {
        if (driver is not ITreeListingDriver lister || blocksToDecide <= ListingRequests(lister, storedBlocks))
            return new BlockPresence(driver, volumeName, storedBlocks, null);
        var listed = await ListAsync(lister, volumeName, cancellationToken).ConfigureAwait(false);
        return new BlockPresence(driver, volumeName, storedBlocks, listed);
    }

    public ValueTask<bool> ExistsAsync(string blockId, CancellationToken cancellationToken) =>
        _listed is not null ? ValueTask.FromResult(_listed.Contains(blockId))
            : _driver.FileExistsAsync(StorePaths.Block(_volumeName, blockId), cancellationToken);

    /// <summary>The blocks among <paramref name="blockIds"/> that are not in the store now, asked afresh.</summary>
    public async Task<IReadOnlyList<string>> FindMissingAsync(IReadOnlyCollection<string> blockIds, int concurrency,
        CancellationToken cancellationToken)
    {
        if (blockIds.Count == 0) return [];
        if (_driver is ITreeListingDriver lister && blockIds.Count > ListingRequests(lister, _storedBlocks + blockIds.Count))
        {
            var present = await ListAsync(lister, _volumeName, cancellationToken).ConfigureAwait(false);
            return blockIds.Where(id => !present.Contains(id)).ToList();
        }
        var missing = new List<string>();
        await Parallel.ForEachAsync(blockIds, new ParallelOptions { MaxDegreeOfParallelism = Math.Max(1, concurrency), CancellationToken = cancellationToken },
            async (id, ct) =>
            {
                if (!await _driver.FileExistsAsync(StorePaths.Block(_volumeName, id), ct).ConfigureAwait(false))
                    lock (missing) missing.Add(id);
            }).ConfigureAwait(false);
        return missing;
    }

    private static long ListingRequests(ITreeListingDriver lister, long names) => names / Math.Max(1, lister.TreePageSize) + 1;

    private static async Task<HashSet<string>> ListAsync(ITreeListingDriver lister, string volumeName,
        CancellationToken cancellationToken)
    {
        var files = await lister.ListTreeAsync(StorePaths.BlocksDirectory(volumeName), cancellationToken).ConfigureAwait(false);
        var ids = new HashSet<string>(StringComparer.Ordinal);
        foreach (var file in files)
        {
            // ab/cd/<id>.blk, in its own folder as Block() places it; anything else is not a block this store reads.
            var name = file[(file.LastIndexOf('/') + 1)..];
            if (!name.EndsWith(StorePaths.BlockSuffix, StringComparison.Ordinal)) continue;
            var id = name[..^StorePaths.BlockSuffix.Length];
            if (BlockId.IsValid(id) && StorePaths.Block(volumeName, id) == $"{StorePaths.BlocksDirectory(volumeName)}/{file}") ids.Add(id);
        }
        return ids;
    }
}
