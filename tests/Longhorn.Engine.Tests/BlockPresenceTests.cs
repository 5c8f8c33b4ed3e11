using Longhorn.Engine.Backups;
using Longhorn.Engine.Format;
using Longhorn.Engine.Store;
using Longhorn.Engine.Tests.Support;

namespace Longhorn.Engine.Tests;

/// <summary>
/// A backup decides which blocks the store has with the fewest requests: one listing of <c>blocks/</c> when the driver
/// lists trees (S3) and the backup has more blocks to decide than the listing has pages, a HEAD per block otherwise;
/// the blocks decided while the lock settled are confirmed the same way.
/// </summary>
public sealed class BlockPresenceTests : IDisposable
{
    private const int MiB = 1024 * 1024;
    private readonly TempDirectory _dir = new();
    private readonly ManualClock _clock = new(DateTimeOffset.UtcNow);
    private readonly CountingTreeDriver _driver;
    private readonly MemorySnapshotSource _source = new(16 * MiB);

    public BlockPresenceTests()
    {
        Directory.CreateDirectory(_dir.Combine("bs"));
        _driver = new CountingTreeDriver(new BackupStoreDrivers().Create("vfs://" + _dir.Combine("bs")), _dir.Combine("bs"), pageSize: 4);
    }

    public void Dispose() => _dir.Dispose();

    private async Task<BackupResult> Backup(string snapshot)
    {
        var progress = new LastProgress();
        var backup = new BackupStore(_driver, new BackupStoreOptions(), _clock)
            .CreateBackupAsync(new BackupRequest { VolumeName = "vol1", SnapshotName = snapshot }, _source, progress);
        // Every block is decided before the settle ends, so every decision is provisional and confirmed afterwards.
        await Eventually.HoldsAsync(() => progress.Value >= 95 && _clock.PendingDelays == 1, "the blocks to be decided while the lock settles");
        _clock.Advance(TimeSpan.FromSeconds(2));
        return await backup;
    }

    [Fact]
    public async Task A_first_backup_lists_the_blocks_folder_instead_of_asking_per_block_and_confirms_with_a_second_listing()
    {
        for (var i = 0; i < 8; i++) _source.Fill(i * 2L * MiB, 2 * MiB, (byte)(i + 1));
        _source.Snapshot("s1");

        var result = await Backup("s1");

        Assert.Equal(8, result.NewBlockCount);
        Assert.Equal(0, _driver.BlockHeads);
        Assert.Equal(2, _driver.TreeListings);
    }

    [Fact]
    public async Task An_incremental_backup_of_one_block_asks_for_that_block_and_lists_nothing()
    {
        for (var i = 0; i < 8; i++) _source.Fill(i * 2L * MiB, 2 * MiB, (byte)(i + 1));
        _source.Snapshot("s1");
        await Backup("s1");
        _driver.Reset();
        _source.Fill(0, 4096, 99);
        _source.Snapshot("s2");

        var result = await Backup("s2");

        Assert.Equal(1, result.NewBlockCount);
        Assert.Equal(0, _driver.TreeListings);
        // Once to decide, once to confirm the decision made while the lock settled.
        Assert.Equal(2, _driver.BlockHeads);
    }

    [Fact]
    public async Task A_block_listed_as_present_is_not_uploaded_again()
    {
        for (var i = 0; i < 8; i++) _source.Fill(i * 2L * MiB, 2 * MiB, (byte)(i % 2 + 1));
        _source.Snapshot("s1");
        await Backup("s1");
        _driver.Reset();
        _source.Fill(0, 16 * MiB, 1);
        _source.Fill(0, 2 * MiB, 2);
        _source.Snapshot("s2");

        var result = await Backup("s2");

        Assert.Equal(0, result.NewBlockCount);
        Assert.Equal(0, _driver.BlockWrites);
    }

    // 8 blocks stored and a listing page of 4: listing them costs 8 / 4 + 1 = 3 requests. Deciding 3 blocks costs as
    // much by HEAD, so HEAD is kept; 4 blocks are listed. Confirming n blocks decided while settling lists (8 + n) / 4 + 1
    // pages: more than 4 blocks to confirm are listed, 4 or fewer asked by HEAD.
    [Theory]
    [InlineData(3, 0, 6)]
    [InlineData(4, 1, 4)]
    [InlineData(5, 2, 0)]
    public async Task Listing_is_chosen_exactly_when_it_costs_fewer_requests_than_a_head_per_block(int changed, int listings, int heads)
    {
        for (var i = 0; i < 8; i++) _source.Fill(i * 2L * MiB, 2 * MiB, (byte)(i + 1));
        _source.Snapshot("s1");
        await Backup("s1");
        _driver.Reset();
        for (var i = 0; i < changed; i++) _source.Fill(i * 2L * MiB, 4096, (byte)(100 + i));
        _source.Snapshot("s2");

        var result = await Backup("s2");

        Assert.Equal(changed, result.NewBlockCount);
        Assert.Equal((listings, heads), (_driver.TreeListings, _driver.BlockHeads));
    }

    [Fact]
    public async Task Files_in_the_blocks_folder_that_are_not_a_block_in_its_own_place_do_not_count_as_present()
    {
        _source.Fill(0, 2 * MiB, 1);
        _source.Fill(2 * MiB, 2 * MiB, 2);
        _source.Fill(4 * MiB, 2 * MiB, 3);
        _source.Snapshot("s1");
        var blocks = _dir.Combine("bs", StorePaths.BlocksDirectory("vol1"));
        var (first, second, third) = (BlockOf(1), BlockOf(2), BlockOf(3));
        // A block in the wrong folder, a temp file in the right one, and a name too short to be a block id.
        Directory.CreateDirectory(Path.Combine(blocks, second[..2], second[2..4]));
        Directory.CreateDirectory(Path.Combine(blocks, "ab", "cd"));
        await File.WriteAllBytesAsync(Path.Combine(blocks, first + StorePaths.BlockSuffix), [1]);
        await File.WriteAllBytesAsync(Path.Combine(blocks, second[..2], second[2..4], second + StorePaths.BlockSuffix + ".tmp.1"), [2]);
        await File.WriteAllBytesAsync(Path.Combine(blocks, "ab", "cd", "x" + StorePaths.BlockSuffix), [3]);

        var result = await Backup("s1");

        Assert.Equal(3, result.NewBlockCount);
        Assert.Equal(3, _driver.BlockWrites);
        Assert.All([first, second, third], id => Assert.True(File.Exists(_dir.Combine("bs", StorePaths.Block("vol1", id))), id));
        Assert.Equal(0, _driver.BlockHeads);
    }

    [Fact]
    public async Task A_changed_block_whose_content_the_base_backup_holds_is_known_from_its_map_and_not_asked_for()
    {
        for (var i = 0; i < 8; i++) _source.Fill(i * 2L * MiB, 2 * MiB, (byte)(i + 1));
        _source.Snapshot("s1");
        await Backup("s1");
        _driver.Reset();
        // The first block now holds what the second holds: the base's map already lists that content.
        _source.Fill(0, 2 * MiB, 2);
        _source.Snapshot("s2");

        var result = await Backup("s2");

        Assert.Equal(0, result.NewBlockCount);
        Assert.Equal((0, 0, 0), (_driver.TreeListings, _driver.BlockHeads, _driver.BlockWrites));
    }

    [Fact]
    public async Task Blocks_decided_after_the_lock_is_confirmed_are_asked_for_once_and_not_again()
    {
        for (var i = 0; i < 8; i++) _source.Fill(i * 2L * MiB, 2 * MiB, (byte)(i + 1));
        _source.Snapshot("s1");
        await Backup("s1");
        _driver.Reset();
        _source.Fill(0, 4096, 50);
        _source.Fill(2 * MiB, 4096, 51);
        _source.Snapshot("s2");
        // The blocks are read only once the lock is confirmed: every decision is final, none provisional.
        var gated = new GatedSnapshotSource(_source);
        var backup = new BackupStore(_driver, new BackupStoreOptions(), _clock)
            .CreateBackupAsync(new BackupRequest { VolumeName = "vol1", SnapshotName = "s2" }, gated);
        await gated.Entered.WaitAsync(Eventually.HangLimit);
        await Eventually.HoldsAsync(() => _clock.PendingDelays == 1, "the backup to settle");
        _clock.Advance(TimeSpan.FromSeconds(2));
        // The delay's end starts the confirmation (the locks are listed again); the placeholder cfg is written only after
        // it succeeded, so its presence, not the timer's, says every decision from here on is final.
        var backups = _dir.Combine("bs", StorePaths.BackupsDirectory("vol1"));
        await Eventually.HoldsAsync(() => Directory.GetFiles(backups).Length == 2, "the lock to be confirmed (the placeholder cfg written)");
        gated.Open();

        var result = await backup;

        Assert.Equal(2, result.NewBlockCount);
        Assert.Equal(2, _driver.BlockHeads);
    }

    private static string BlockOf(byte value)
    {
        var block = new byte[2 * MiB];
        Array.Fill(block, value);
        return Longhorn.Engine.Blocks.BlockId.Compute(block);
    }

    private sealed class LastProgress : IProgress<int>
    {
        private int _value;
        public int Value => Volatile.Read(ref _value);
        public void Report(int value) => Volatile.Write(ref _value, value);
    }

    /// <summary>The filesystem driver with a tree listing of its own (the files below a folder), counting requests.</summary>
    private sealed class CountingTreeDriver(IBackupStoreDriver inner, string root, int pageSize) : IBackupStoreDriver, ITreeListingDriver
    {
        private int _heads, _listings, _writes;
        public int BlockHeads => Volatile.Read(ref _heads);
        public int TreeListings => Volatile.Read(ref _listings);
        public int BlockWrites => Volatile.Read(ref _writes);

        public void Reset()
        {
            _heads = 0;
            _listings = 0;
            _writes = 0;
        }

        public int TreePageSize => pageSize;

        public ValueTask<IReadOnlyList<string>> ListTreeAsync(string path, CancellationToken cancellationToken)
        {
            Interlocked.Increment(ref _listings);
            var directory = Path.Combine(root, path);
            IReadOnlyList<string> files = Directory.Exists(directory)
                ? Directory.GetFiles(directory, "*", SearchOption.AllDirectories).Select(f => Path.GetRelativePath(directory, f)).ToList()
                : [];
            return ValueTask.FromResult(files);
        }

        public string Url => inner.Url;

        public ValueTask<bool> FileExistsAsync(string path, CancellationToken ct)
        {
            if (path.EndsWith(StorePaths.BlockSuffix, StringComparison.Ordinal))
                Interlocked.Increment(ref _heads);
            return inner.FileExistsAsync(path, ct);
        }

        public ValueTask WriteAsync(string path, ReadOnlyMemory<byte> data, CancellationToken ct)
        {
            if (path.EndsWith(StorePaths.BlockSuffix, StringComparison.Ordinal)) Interlocked.Increment(ref _writes);
            return inner.WriteAsync(path, data, ct);
        }

        public ValueTask<long> FileSizeAsync(string path, CancellationToken ct) => inner.FileSizeAsync(path, ct);
        public ValueTask<DateTimeOffset?> FileTimeAsync(string path, CancellationToken ct) => inner.FileTimeAsync(path, ct);
        public ValueTask<Stream> ReadAsync(string path, CancellationToken ct) => inner.ReadAsync(path, ct);
        public ValueTask<IReadOnlyList<string>> ListAsync(string path, CancellationToken ct) => inner.ListAsync(path, ct);
        public ValueTask RemoveAsync(string path, CancellationToken ct) => inner.RemoveAsync(path, ct);
        public ValueTask UploadAsync(string localPath, string path, CancellationToken ct) => inner.UploadAsync(localPath, path, ct);
        public ValueTask DownloadAsync(string path, string localPath, CancellationToken ct) => inner.DownloadAsync(path, localPath, ct);
    }
}
