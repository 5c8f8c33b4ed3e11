using Longhorn.Simulator.Replicas;
using static Longhorn.Simulator.Tests.Replicas.ReplicaAssert;

namespace Longhorn.Simulator.Tests.Replicas;

/// <summary>Snapshot deletion, purge (remove, coalesce, prune), system snapshots and revert branches (spec §4, §5).</summary>
public sealed class ReplicaPurgeTests
{
    [Fact]
    public async Task Purge_marks_system_snapshots_removed_and_folds_them_into_their_child()
    {
        using var temp = new TempDirectory();
        var dir = temp.Sub("replica");
        await using var replica = Replica.Create(dir, 1 * MiB);
        await replica.WriteAsync(0, Pattern(4096, seed: 1));
        await replica.CreateSnapshotAsync("system", userCreated: false, labels: null);
        await replica.WriteAsync(4096, Pattern(4096, seed: 2));
        await replica.CreateSnapshotAsync("user");
        var before = await ReadSnapshotAsync(replica, "user");

        await replica.PurgeAsync();

        var user = Assert.Single(replica.ListSnapshots());
        Assert.Equal(("user", ""), (user.Name, user.Parent));
        Assert.Equal([new FileExtent(0, 8192)], replica.GetAllocatedExtents("volume-snap-user.img"));
        SameBytes(before, await ReadSnapshotAsync(replica, "user"), "user after folding the system snapshot");
        Assert.False(File.Exists(Path.Combine(dir, "volume-snap-system.img")));
    }

    [Fact]
    public async Task A_system_snapshot_under_the_head_is_marked_removed_and_kept()
    {
        using var temp = new TempDirectory();
        await using var replica = Replica.Create(temp.Sub("replica"), 1 * MiB);
        await replica.WriteAsync(0, Pattern(4096, seed: 1));
        await replica.CreateSnapshotAsync("system", userCreated: false, labels: null);

        await replica.PurgeAsync();

        Assert.True(Assert.Single(replica.ListSnapshots()).Removed);
        Assert.Equal(2, replica.LiveChain.Count);
    }

    [Fact]
    public async Task Removed_snapshots_down_a_chain_all_fold_into_the_newest_kept_one()
    {
        using var temp = new TempDirectory();
        var dir = temp.Sub("replica");
        await using var replica = Replica.Create(dir, 1 * MiB);
        for (var i = 1; i <= 4; i++)
        {
            await replica.WriteAsync((i - 1) * 6000, Pattern(5000, seed: i));
            await replica.CreateSnapshotAsync($"s{i}");
        }

        var before = await ReadSnapshotAsync(replica, "s3");
        var head = await ReadVolumeAsync(replica);
        await replica.MarkSnapshotRemovedAsync("s1");
        await replica.MarkSnapshotRemovedAsync("volume-snap-s2.img");

        await replica.PurgeAsync();

        Assert.Equal([replica.HeadFileName, "volume-snap-s4.img", "volume-snap-s3.img"], replica.LiveChain);
        Assert.Equal(["s3", "s4"], replica.ListSnapshots().Select(s => s.Name));
        SameBytes(before, await ReadSnapshotAsync(replica, "s3"), "s3");
        SameBytes(head, await ReadVolumeAsync(replica), "head");
        Assert.Equal(
            ["volume-head-004.img", "volume-head-004.img.meta", "volume-snap-s3.img", "volume-snap-s3.img.meta",
             "volume-snap-s4.img", "volume-snap-s4.img.meta", "volume.meta"],
            Directory.GetFiles(dir).Select(Path.GetFileName).Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task Revert_starts_a_new_head_on_the_snapshot_and_discards_the_old_heads_data()
    {
        using var temp = new TempDirectory();
        var dir = temp.Sub("replica");
        var clock = new ManualClock(new DateTimeOffset(2026, 5, 6, 7, 8, 9, TimeSpan.Zero));
        await using var replica = Replica.Create(dir, 1 * MiB, new ReplicaOptions { TimeProvider = clock });
        var s1 = Pattern(4096, seed: 1);
        await replica.WriteAsync(0, s1);
        await replica.CreateSnapshotAsync("s1");
        await replica.WriteAsync(0, Pattern(4096, seed: 2));
        await replica.CreateSnapshotAsync("s2");
        await replica.WriteAsync(0, Pattern(4096, seed: 3));
        clock.Now = clock.Now.AddHours(1);

        await replica.RevertAsync("s1");

        Assert.Equal(["volume-head-003.img", "volume-snap-s1.img"], replica.LiveChain);
        Assert.False(File.Exists(Path.Combine(dir, "volume-head-002.img")));
        FileIs(
            Path.Combine(dir, "volume-head-003.img.meta"),
            """{"Name":"volume-head-003.img","Parent":"volume-snap-s1.img","Removed":false,"UserCreated":false,"Created":"2026-05-06T08:08:09Z","Labels":null}""" + "\n");
        Assert.Equal(["s2", "volume-head"], replica.ListSnapshots().Single(s => s.Name == "s1").Children);
        var data = new byte[4096];
        await replica.ReadAsync(0, data);
        SameBytes(s1, data, "head after revert");
    }

    [Fact]
    public async Task A_removed_snapshot_with_two_children_waits_until_the_other_branch_is_gone_then_is_pruned()
    {
        using var temp = new TempDirectory();
        var dir = temp.Sub("replica");
        await using var replica = Replica.Create(dir, 1 * MiB);
        await replica.WriteAsync(0, Pattern(8192, seed: 1));
        await replica.CreateSnapshotAsync("s1");
        await replica.CreateSnapshotAsync("s2");
        await replica.RevertAsync("s1");
        await replica.WriteAsync(4096, Pattern(4096, seed: 2));
        var head = await ReadVolumeAsync(replica);

        await replica.DeleteSnapshotAsync("s1");

        Assert.True(replica.ListSnapshots().Single(s => s.Name == "s1").Removed);
        Assert.Equal([new FileExtent(0, 8192)], replica.GetAllocatedExtents("volume-snap-s1.img"));

        await replica.DeleteSnapshotAsync("s2");

        Assert.False(File.Exists(Path.Combine(dir, "volume-snap-s2.img")));
        var s1 = Assert.Single(replica.ListSnapshots());
        Assert.Equal(("s1", true), (s1.Name, s1.Removed));
        Assert.Equal(["volume-head"], s1.Children);
        Assert.Equal([new FileExtent(0, 4096)], replica.GetAllocatedExtents("volume-snap-s1.img"));
        SameBytes(head, await ReadVolumeAsync(replica), "head after purging both");
    }

    [Fact]
    public async Task The_head_and_removed_snapshots_cannot_be_reverted_to_or_deleted()
    {
        using var temp = new TempDirectory();
        await using var replica = Replica.Create(temp.Sub("replica"), 1 * MiB);
        await replica.CreateSnapshotAsync("s1");
        await replica.MarkSnapshotRemovedAsync("s1");

        var revert = await Assert.ThrowsAsync<ReplicaException>(async () => await replica.RevertAsync("s1"));
        Assert.Equal("cannot revert to disk file volume-snap-s1.img since it's already marked as removed", revert.Message);
        var head = await Assert.ThrowsAsync<ReplicaException>(async () => await replica.DeleteSnapshotAsync(replica.HeadFileName));
        Assert.Equal("cannot mark the active differencing disk as removed", head.Message);
        await Assert.ThrowsAsync<ReplicaException>(async () => await replica.DeleteSnapshotAsync("missing"));
    }
}
