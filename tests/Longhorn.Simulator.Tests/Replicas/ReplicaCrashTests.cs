using Longhorn.Simulator.Replicas;
using static Longhorn.Simulator.Tests.Replicas.ReplicaAssert;

namespace Longhorn.Simulator.Tests.Replicas;

/// <summary>
/// A replica stopped between the file steps of a snapshot deletion (a host killed while auto-cleanup deleted a backed-up
/// snapshot, or while a backup's request took one) opens again with every byte where it was, and the interrupted change
/// finishes or can be made again. The stop is a <see cref="ReplicaKilledException"/> thrown from
/// <see cref="Replica.AfterStep"/> (it skips every rollback, as a kill does), and the stopped instance is abandoned, not
/// disposed: nothing more is written.
/// </summary>
public sealed class ReplicaCrashTests
{
    [Fact]
    public async Task A_deletion_that_folds_a_snapshot_into_its_child_survives_a_stop_after_every_step()
    {
        string[] steps = ["child folded into the parent", "folded parent linked to a temp name", "temp name renamed over the child's file",
            "child reparented"];
        await ForEachStopAsync(steps, ChainAsync, replica => replica.DeleteSnapshotAsync("s2").AsTask(), async (step, _, dir, reopened) =>
        {
            var (volume, s3) = await ExpectedChainAsync();
            SameBytes(volume, await ReadVolumeAsync(reopened), $"the volume after a stop after \"{step}\"");
            SameBytes(s3, await ReadSnapshotAsync(reopened, "s3"), $"snapshot s3 after a stop after \"{step}\"");

            await reopened.PurgeAsync();
            Assert.DoesNotContain(reopened.ListSnapshots(), s => s.Name == "s2");
            SameBytes(volume, await ReadVolumeAsync(reopened), $"the volume once the deletion finished after \"{step}\"");
            SameBytes(s3, await ReadSnapshotAsync(reopened, "s3"), $"snapshot s3 once the deletion finished after \"{step}\"");
            Assert.Equal(["volume-head-003.img", "volume-head-003.img.meta", "volume-snap-s1.img", "volume-snap-s1.img.meta",
                "volume-snap-s3.img", "volume-snap-s3.img.meta", "volume.meta"], Directory.EnumerateFiles(dir).Select(Path.GetFileName).Order());
            await reopened.DisposeAsync();
            await using var again = Replica.Open(dir);
            Assert.Equal(("s3", "s1"), (again.ListSnapshots()[^1].Name, again.ListSnapshots()[^1].Parent));
            SameBytes(s3, await ReadSnapshotAsync(again, "s3"), $"snapshot s3 opened once more after \"{step}\"");
        });
    }

    /// <summary>s1 ← s2 ← s3 ← head, each layer writing its own and overlapping sectors: deleting s2 folds it into s3.</summary>
    private static async Task<Replica> ChainAsync(string dir)
    {
        var replica = Replica.Create(dir, 1 * MiB);
        await replica.WriteAsync(0, Pattern(16384, seed: 1));
        await replica.CreateSnapshotAsync("s1");
        await replica.WriteAsync(8192, Pattern(16384, seed: 2));
        await replica.CreateSnapshotAsync("s2");
        await replica.WriteAsync(12288, Pattern(8192, seed: 3));
        await replica.CreateSnapshotAsync("s3");
        await replica.WriteAsync(65536, Pattern(4096, seed: 4));
        return replica;
    }

    /// <summary>What <see cref="ChainAsync"/>'s volume and snapshot s3 read, from a chain of its own.</summary>
    private static async Task<(byte[] Volume, byte[] S3)> ExpectedChainAsync()
    {
        using var temp = new TempDirectory();
        await using var replica = await ChainAsync(temp.Sub("expected"));
        return (await ReadVolumeAsync(replica), await ReadSnapshotAsync(replica, "s3"));
    }

    /// <summary>
    /// Finds the change's steps with a run that is not stopped (they must be the expected ones, so no stop point goes
    /// missing), then for each step: a fresh replica, the change stopped
    /// right after that step (the instance abandoned), and the checks (told whether it was the last step) on the directory
    /// opened again.
    /// </summary>
    private static async Task ForEachStopAsync(string[] expectedSteps, Func<string, Task<Replica>> setUp, Func<Replica, Task> change,
        Func<string, bool, string, Replica, Task> check)
    {
        var steps = new List<string>();
        using (var temp = new TempDirectory())
        {
            await using var replica = await setUp(temp.Sub("names"));
            replica.AfterStep = steps.Add;
            await change(replica);
        }
        Assert.Equal(expectedSteps, steps);

        foreach (var step in steps)
        {
            using var temp = new TempDirectory();
            var dir = temp.Sub("replica");
            var replica = await setUp(dir);
            replica.AfterStep = done => { if (done == step) throw new ReplicaKilledException(done); };
            await Assert.ThrowsAsync<ReplicaKilledException>(() => change(replica));

            // The process is gone: the directory is opened again as the next host start does.
            await using var reopened = Replica.Open(dir);
            await check(step, step == steps[^1], dir, reopened);
        }
    }

    [Fact]
    public async Task Taking_a_snapshot_survives_a_stop_after_every_step_and_the_next_snapshot_can_be_taken()
    {
        string[] steps = ["new head created", "old head linked to the snapshot's name", "snapshot's meta written", "volume.meta names the new head"];
        await ForEachStopAsync(steps, ChainAsync, replica => replica.CreateSnapshotAsync("s4").AsTask(), async (step, last, dir, reopened) =>
        {
            var (volume, s3) = await ExpectedChainAsync();
            SameBytes(volume, await ReadVolumeAsync(reopened), $"the volume after a stop after \"{step}\"");
            SameBytes(s3, await ReadSnapshotAsync(reopened, "s3"), $"snapshot s3 after a stop after \"{step}\"");
            // Taken once volume.meta names the new head (the last step), and then as asked; before, not at all.
            var s4 = reopened.ListSnapshots().SingleOrDefault(s => s.Name == "s4");
            if (last) Assert.True(s4 is { UserCreated: true, Removed: false, Parent: "s3" }, $"s4 after a stop after \"{step}\": {s4}");
            else Assert.Null(s4);
            var layers = reopened.ListSnapshots().Select(s => DiskNames.Snapshot(s.Name)).Append(reopened.HeadFileName)
                .SelectMany(l => new[] { l, l + ".meta" }).Append("volume.meta").Order();
            Assert.Equal(layers, Directory.EnumerateFiles(dir).Select(Path.GetFileName).Order());
            // The backup that asked for s4 failed; the next one takes its own snapshot.
            await reopened.WriteAsync(131072, Pattern(4096, seed: 5));
            await reopened.CreateSnapshotAsync("s5");
            var expected = volume.ToArray();
            Pattern(4096, seed: 5).CopyTo(expected, 131072);
            SameBytes(expected, await ReadSnapshotAsync(reopened, "s5"), $"snapshot s5 taken after a stop after \"{step}\"");
            SameBytes(expected, await ReadVolumeAsync(reopened), $"the volume with s5 after a stop after \"{step}\"");
        });
    }

    [Fact]
    public async Task A_full_restore_stopped_while_it_completes_leaves_a_replica_that_can_restore_again()
    {
        var data = Pattern(64 * 1024, seed: 6);
        string[] steps = ["restored snapshot's meta written", "new head created on the revert target", "volume.meta names the head on the revert target"];
        await ForEachStopAsync(steps, dir => Task.FromResult(Replica.Create(dir, 1 * MiB)), replica => RestoreAsync(replica, data), async (step, last, _, reopened) =>
        {
            // Either the restore took (the volume reads the data) or the host restores again into an empty replica.
            if (!last)
            {
                Assert.Empty(reopened.ListSnapshots());
                await RestoreAsync(reopened, data);
            }
            SameBytes(data, (await ReadVolumeAsync(reopened)).AsMemory(0, data.Length), $"the restored volume after a stop after \"{step}\"");
            Assert.Single(reopened.ListSnapshots());
        });
    }

    /// <summary>Restores the data as the host does; stopped by a kill, the restore is left as it is (not disposed, which would clean up).</summary>
    private static async Task RestoreAsync(Replica replica, byte[] data)
    {
        var restore = replica.BeginFullRestore();
        await restore.PrepareAsync(replica.VolumeSize, CancellationToken.None);
        await restore.WriteAsync(0, data, CancellationToken.None);
        await restore.CompleteAsync(CancellationToken.None);
        await restore.DisposeAsync();
    }

    [Fact]
    public async Task Opening_keeps_a_snapshot_whose_meta_names_the_live_head_after_head_numbers_wrapped()
    {
        // Head numbers run 000 … 009, 010, 001 (NextHead): after eleven snapshots the head is volume-head-001.img again,
        // the Name the meta of the second snapshot (taken from the first head-001) keeps. The soak met this: a cleanup that
        // trusted the Name alone removed such an ancestor and the replica could not open ("failed to find metadata").
        using var temp = new TempDirectory();
        var dir = temp.Sub("replica");
        byte[] volume;
        await using (var replica = Replica.Create(dir, 1 * MiB))
        {
            for (var i = 1; i <= 11; i++)
            {
                await replica.WriteAsync(i * 4096L, Pattern(4096, seed: i));
                await replica.CreateSnapshotAsync($"s{i}");
            }
            Assert.Equal("volume-head-001.img", replica.HeadFileName);
            volume = await ReadVolumeAsync(replica);
        }

        await using var reopened = Replica.Open(dir);

        Assert.Equal(Enumerable.Range(1, 11).Select(i => $"s{i}").Order(), reopened.ListSnapshots().Select(s => s.Name).Order());
        SameBytes(volume, await ReadVolumeAsync(reopened), "the volume after opening again");
    }

    [Fact]
    public async Task Opening_keeps_a_branch_snapshot_whose_meta_names_the_live_head_after_reverts_wrapped_the_head_numbers()
    {
        // s2 is taken from volume-head-001.img, then the volume is reverted to s1 again and again: s2 is a branch nothing
        // stands on, and after nine reverts (002 … 009, 010, 001) the head is volume-head-001.img once more. s2 is a real
        // snapshot (its own file), not a half-taken one, and must stay.
        using var temp = new TempDirectory();
        var dir = temp.Sub("replica");
        byte[] s2;
        await using (var replica = Replica.Create(dir, 1 * MiB))
        {
            await replica.WriteAsync(0, Pattern(4096, seed: 1));
            await replica.CreateSnapshotAsync("s1");
            await replica.WriteAsync(4096, Pattern(4096, seed: 2));
            await replica.CreateSnapshotAsync("s2");
            s2 = await ReadSnapshotAsync(replica, "s2");
            for (var i = 0; i < 20 && replica.HeadFileName != "volume-head-001.img"; i++) await replica.RevertAsync("s1");
            Assert.Equal("volume-head-001.img", replica.HeadFileName);
        }

        await using var reopened = Replica.Open(dir);

        Assert.Equal(["s1", "s2"], reopened.ListSnapshots().Select(s => s.Name).Order());
        SameBytes(s2, await ReadSnapshotAsync(reopened, "s2"), "the branch snapshot s2 after opening again");
    }
}
