using System.Text;
using Longhorn.Engine.Snapshots;
using Longhorn.Simulator.Replicas;
using static Longhorn.Simulator.Tests.Replicas.ReplicaAssert;

namespace Longhorn.Simulator.Tests.Replicas;

/// <summary>spec/replica-format.md §9: a 16 MiB volume, 4 KiB at 0, snapshot s1, 4 KiB at 8 MiB, snapshot s2.</summary>
public sealed class WorkedExampleTests
{
    private const long VolumeSize = 16 * MiB;
    private const long SecondWriteOffset = 8 * MiB;
    private const string T0 = "2026-11-21T10:00:00Z";
    private const string T1 = "2026-11-21T10:01:00Z";
    private const string T2 = "2026-11-21T10:02:00Z";

    private const string VolumeMetaOpen =
        """{"Size":16777216,"Head":"volume-head-002.img","Dirty":true,"Rebuilding":false,"Error":"","Parent":"volume-snap-s2.img","SectorSize":512,"BackingFilePath":"","Encrypted":false}""" + "\n";

    private const string HeadMeta =
        """{"Name":"volume-head-002.img","Parent":"volume-snap-s2.img","Removed":false,"UserCreated":false,"Created":"2026-11-21T10:02:00Z","Labels":null}""" + "\n";

    private const string S2Meta =
        """{"Name":"volume-head-001.img","Parent":"volume-snap-s1.img","Removed":false,"UserCreated":true,"Created":"2026-11-21T10:02:00Z","Labels":null}""" + "\n";

    private const string S1Meta =
        """{"Name":"volume-head-000.img","Parent":"","Removed":false,"UserCreated":true,"Created":"2026-11-21T10:01:00Z","Labels":null}""" + "\n";

    private static readonly byte[] FirstWrite = Pattern(4096, seed: 1);
    private static readonly byte[] SecondWrite = Pattern(4096, seed: 2);

    [Fact]
    public async Task Hand_built_directory_opens_and_diffs_as_the_spec_says()
    {
        using var temp = new TempDirectory();
        var dir = temp.Path;
        BuildByHand(dir);

        await using var replica = Replica.Open(dir);

        Assert.Equal(VolumeSize, replica.VolumeSize);
        Assert.Equal(["volume-head-002.img", "volume-snap-s2.img", "volume-snap-s1.img"], replica.LiveChain);
        Assert.Equal(
            [new BlockMapping(8388608, 2097152)],
            await CompareAsync(replica, "s2", "s1", 2 * MiB));
        Assert.Equal(
            [new BlockMapping(0, 2097152), new BlockMapping(8388608, 2097152)],
            await CompareAsync(replica, "s2", null, 2 * MiB));
        Assert.Equal([new BlockMapping(0, 2097152)], await CompareAsync(replica, "s1", null, 2 * MiB));

        var expected = new byte[VolumeSize];
        FirstWrite.CopyTo(expected, 0);
        SecondWrite.CopyTo(expected, SecondWriteOffset);
        SameBytes(expected, await ReadSnapshotAsync(replica, "s2"), "s2");
        SameBytes(expected, await ReadVolumeAsync(replica), "head");
        FileIs(Path.Combine(dir, "volume.meta"), VolumeMetaOpen);
        FileIs(Path.Combine(dir, "volume-snap-s2.img.meta"), S2Meta);
    }

    /// <summary>The directory real Longhorn leaves after §9's steps, written file by file.</summary>
    private static void BuildByHand(string dir)
    {
        WriteText(dir, "volume.meta", VolumeMetaOpen);
        WriteSparse(Path.Combine(dir, "volume-head-002.img"));
        WriteText(dir, "volume-head-002.img.meta", HeadMeta);
        WriteSparse(Path.Combine(dir, "volume-snap-s2.img"), (SecondWriteOffset, SecondWrite));
        WriteText(dir, "volume-snap-s2.img.meta", S2Meta);
        WriteSparse(Path.Combine(dir, "volume-snap-s1.img"), (0, FirstWrite));
        WriteText(dir, "volume-snap-s1.img.meta", S1Meta);
        var counter = new byte[4096];
        counter[0] = (byte)'2';
        File.WriteAllBytes(Path.Combine(dir, "revision.counter"), counter);
    }

    [Fact]
    public async Task Engine_backs_up_a_replica_directory_written_by_longhorn_incrementally()
    {
        using var temp = new TempDirectory();
        var dir = Path.Combine(temp.Path, "replica");
        Directory.CreateDirectory(dir);
        BuildByHand(dir);
        await using var replica = Replica.Open(dir);
        var options = new Longhorn.Engine.BackupStoreOptions { Locks = new Longhorn.Engine.Locks.LockOptions { SettleTime = TimeSpan.Zero } };
        var store = new Longhorn.Engine.BackupStore(new Longhorn.Engine.Store.BackupStoreDrivers().Create("vfs://" + Path.Combine(temp.Path, "bs")), options);

        var first = await store.CreateBackupAsync(new Longhorn.Engine.Backups.BackupRequest { VolumeName = "vol1", SnapshotName = "s1" }, replica);
        var second = await store.CreateBackupAsync(new Longhorn.Engine.Backups.BackupRequest { VolumeName = "vol1", SnapshotName = "s2" }, replica);

        Assert.Equal([0L], first.Config.Blocks.Select(b => b.Offset));
        Assert.True(second.Config.IsIncremental);
        Assert.Equal(1, second.NewBlockCount);
        Assert.Equal([0L, SecondWriteOffset], second.Config.Blocks.Select(b => b.Offset));
        var restored = Path.Combine(temp.Path, "restored.img");
        using (var target = new Longhorn.Engine.Restores.FileRestoreTarget(restored))
            await store.RestoreAsync("vol1", second.BackupName, target);
        var expected = new byte[VolumeSize];
        FirstWrite.CopyTo(expected, 0);
        SecondWrite.CopyTo(expected, SecondWriteOffset);
        SameBytes(expected, await File.ReadAllBytesAsync(restored), "restored s2");
    }

    [Fact]
    public async Task Replica_api_writes_the_same_files_as_the_spec()
    {
        using var temp = new TempDirectory();
        var dir = temp.Sub("replica");

        await using var replica = await BuildThroughApiAsync(dir);

        FileIs(Path.Combine(dir, "volume.meta"), VolumeMetaOpen);
        FileIs(Path.Combine(dir, "volume-head-002.img.meta"), HeadMeta);
        FileIs(Path.Combine(dir, "volume-snap-s2.img.meta"), S2Meta);
        FileIs(Path.Combine(dir, "volume-snap-s1.img.meta"), S1Meta);
        FileIs(Path.Combine(dir, "revision.counter"), "2" + new string('\0', 4095));
        Assert.Equal(
            ["revision.counter", "volume-head-002.img", "volume-head-002.img.meta", "volume-snap-s1.img", "volume-snap-s1.img.meta",
             "volume-snap-s2.img", "volume-snap-s2.img.meta", "volume.meta"],
            Directory.GetFiles(dir).Select(Path.GetFileName).Order(StringComparer.Ordinal));
        Assert.Empty(replica.GetAllocatedExtents("volume-head-002.img"));
        Assert.Equal([new FileExtent(0, 4096)], replica.GetAllocatedExtents("volume-snap-s1.img"));
        Assert.Equal([new FileExtent(SecondWriteOffset, 4096)], replica.GetAllocatedExtents("volume-snap-s2.img"));
        Assert.Equal(VolumeSize, new FileInfo(Path.Combine(dir, "volume-head-002.img")).Length);
        Assert.Equal([new BlockMapping(8388608, 2097152)], await CompareAsync(replica, "s2", "s1", 2 * MiB));
    }

    [Fact]
    public async Task Closing_the_replica_clears_only_the_dirty_flag()
    {
        using var temp = new TempDirectory();
        var dir = temp.Sub("replica");

        await (await BuildThroughApiAsync(dir)).DisposeAsync();

        FileIs(Path.Combine(dir, "volume.meta"), VolumeMetaOpen.Replace("\"Dirty\":true", "\"Dirty\":false", StringComparison.Ordinal));
        FileIs(Path.Combine(dir, "volume-snap-s2.img.meta"), S2Meta);
    }

    [Fact]
    public async Task Deleting_s1_coalesces_s2_into_it_and_renames_the_result_s2()
    {
        using var temp = new TempDirectory();
        var dir = temp.Sub("replica");
        await using var replica = await BuildThroughApiAsync(dir);
        var before = await ReadVolumeAsync(replica);

        await replica.DeleteSnapshotAsync("s1");

        Assert.False(File.Exists(Path.Combine(dir, "volume-snap-s1.img")));
        Assert.False(File.Exists(Path.Combine(dir, "volume-snap-s1.img.meta")));
        FileIs(
            Path.Combine(dir, "volume-snap-s2.img.meta"),
            """{"Name":"volume-snap-s2.img","Parent":"","Removed":false,"UserCreated":true,"Created":"2026-11-21T10:02:00Z","Labels":null}""" + "\n");
        Assert.Equal(
            [new FileExtent(0, 4096), new FileExtent(SecondWriteOffset, 4096)],
            replica.GetAllocatedExtents("volume-snap-s2.img"));
        Assert.Equal(["volume-head-002.img", "volume-snap-s2.img"], replica.LiveChain);
        SameBytes(before, await ReadVolumeAsync(replica), "head after coalescing s1");
        SameBytes(before, await ReadSnapshotAsync(replica, "s2"), "s2 after coalescing s1");
        Assert.Equal(
            [new BlockMapping(0, 2097152), new BlockMapping(8388608, 2097152)],
            await CompareAsync(replica, "s2", null, 2 * MiB));
    }

    [Fact]
    public async Task Deleting_s2_under_the_head_only_prunes_it_and_keeps_it_removed_in_the_chain()
    {
        using var temp = new TempDirectory();
        var dir = temp.Sub("replica");
        await using var replica = await BuildThroughApiAsync(dir);
        var before = await ReadVolumeAsync(replica);

        await replica.DeleteSnapshotAsync("s2");

        FileIs(
            Path.Combine(dir, "volume-snap-s2.img.meta"),
            """{"Name":"volume-snap-s2.img","Parent":"volume-snap-s1.img","Removed":true,"UserCreated":true,"Created":"2026-11-21T10:02:00Z","Labels":null}""" + "\n");
        Assert.Equal(["volume-head-002.img", "volume-snap-s2.img", "volume-snap-s1.img"], replica.LiveChain);
        Assert.Equal([new FileExtent(SecondWriteOffset, 4096)], replica.GetAllocatedExtents("volume-snap-s2.img"));
        SameBytes(before, await ReadVolumeAsync(replica), "head after pruning s2");
    }

    [Fact]
    public async Task Pruning_punches_holes_exactly_where_the_head_has_data()
    {
        using var temp = new TempDirectory();
        var dir = temp.Sub("replica");
        await using var replica = await BuildThroughApiAsync(dir);
        await replica.WriteAsync(SecondWriteOffset + 100, Pattern(10, seed: 3));
        var before = await ReadVolumeAsync(replica);

        await replica.DeleteSnapshotAsync("s2");

        Assert.Empty(replica.GetAllocatedExtents("volume-snap-s2.img"));
        Assert.Equal([new FileExtent(SecondWriteOffset, 4096)], replica.GetAllocatedExtents("volume-head-002.img"));
        SameBytes(before, await ReadVolumeAsync(replica), "head after pruning s2");
        Assert.True(replica.ListSnapshots().Single(s => s.Name == "s2").Removed);
    }

    private static async Task<Replica> BuildThroughApiAsync(string dir)
    {
        var clock = new ManualClock(DateTimeOffset.Parse(T0, System.Globalization.CultureInfo.InvariantCulture));
        var replica = Replica.Create(dir, VolumeSize, new ReplicaOptions { TimeProvider = clock, EnableRevisionCounter = true });
        await replica.WriteAsync(0, FirstWrite);
        clock.Now = DateTimeOffset.Parse(T1, System.Globalization.CultureInfo.InvariantCulture);
        await replica.CreateSnapshotAsync("s1");
        await replica.WriteAsync(SecondWriteOffset, SecondWrite);
        clock.Now = DateTimeOffset.Parse(T2, System.Globalization.CultureInfo.InvariantCulture);
        await replica.CreateSnapshotAsync("s2");
        return replica;
    }

    private static void WriteText(string dir, string name, string text) =>
        File.WriteAllBytes(Path.Combine(dir, name), Encoding.UTF8.GetBytes(text));

    private static void WriteSparse(string path, params (long Offset, byte[] Data)[] writes)
    {
        using var file = new FileStream(path, FileMode.CreateNew, FileAccess.Write);
        file.SetLength(VolumeSize);
        foreach (var (offset, data) in writes)
        {
            file.Position = offset;
            file.Write(data);
        }
    }
}
