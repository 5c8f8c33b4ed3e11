using Longhorn.Simulator.Replicas;
using static Longhorn.Simulator.Tests.Replicas.ReplicaAssert;

namespace Longhorn.Simulator.Tests.Replicas;

/// <summary>
/// A replica stopped between the file steps of a snapshot deletion (a host killed while auto-cleanup deleted a backed-up
/// snapshot) opens again with every byte where it was, and the deletion finishes on the next try. The stop is a throw
/// from <see cref="Replica.AfterStep"/>, and the stopped instance is abandoned, not disposed: nothing more is written.
/// </summary>
public sealed class ReplicaCrashTests
{
    /// <summary>Thrown where a kill would land.</summary>
    private sealed class Killed(string step) : Exception($"killed after: {step}");

    [Fact]
    public async Task A_deletion_that_folds_a_snapshot_into_its_child_survives_a_stop_after_every_step()
    {
        var steps = new List<string>();
        using (var temp = new TempDirectory())
        {
            // A run without a stop names the steps.
            var (replica, _, _) = await ChainAsync(temp.Sub("names"));
            replica.AfterStep = steps.Add;
            await replica.DeleteSnapshotAsync("s2");
            await replica.DisposeAsync();
        }
        Assert.NotEmpty(steps);

        foreach (var step in steps)
        {
            using var temp = new TempDirectory();
            var dir = temp.Sub("replica");
            var (replica, volume, s3) = await ChainAsync(dir);
            replica.AfterStep = done => { if (done == step) throw new Killed(done); };
            await Assert.ThrowsAsync<Killed>(async () => await replica.DeleteSnapshotAsync("s2"));

            // The process is gone: the directory is opened again as the next host start does.
            await using var reopened = Replica.Open(dir);
            SameBytes(volume, await ReadVolumeAsync(reopened), $"the volume after a stop after \"{step}\"");
            SameBytes(s3, await ReadSnapshotAsync(reopened, "s3"), $"snapshot s3 after a stop after \"{step}\"");

            await reopened.PurgeAsync();
            Assert.DoesNotContain(reopened.ListSnapshots(), s => s.Name == "s2");
            SameBytes(volume, await ReadVolumeAsync(reopened), $"the volume once the deletion finished after \"{step}\"");
            SameBytes(s3, await ReadSnapshotAsync(reopened, "s3"), $"snapshot s3 once the deletion finished after \"{step}\"");
            Assert.Equal(["volume-head-003.img", "volume-head-003.img.meta", "volume-snap-s1.img", "volume-snap-s1.img.meta",
                "volume-snap-s3.img", "volume-snap-s3.img.meta", "volume.meta"], Directory.EnumerateFiles(dir).Select(Path.GetFileName).Order());
        }
    }

    /// <summary>s1 ← s2 ← s3 ← head, each layer writing its own and overlapping sectors: deleting s2 folds it into s3.</summary>
    private static async Task<(Replica Replica, byte[] Volume, byte[] S3)> ChainAsync(string dir)
    {
        var replica = Replica.Create(dir, 1 * MiB);
        await replica.WriteAsync(0, Pattern(16384, seed: 1));
        await replica.CreateSnapshotAsync("s1");
        await replica.WriteAsync(8192, Pattern(16384, seed: 2));
        await replica.CreateSnapshotAsync("s2");
        await replica.WriteAsync(12288, Pattern(8192, seed: 3));
        await replica.CreateSnapshotAsync("s3");
        await replica.WriteAsync(65536, Pattern(4096, seed: 4));
        return (replica, await ReadVolumeAsync(replica), await ReadSnapshotAsync(replica, "s3"));
    }
}
