using FsCheck;
using FsCheck.Fluent;
using Longhorn.Simulator.Replicas;
using static Longhorn.Simulator.Tests.Replicas.ReplicaAssert;

namespace Longhorn.Simulator.Tests.Replicas;

/// <summary>Random histories of writes, snapshots, deletions, reverts and reopens, checked against <see cref="ReplicaModel"/>.</summary>
public sealed class ReplicaPropertyTests
{
    // Small enough to read every snapshot after every step; 64 sectors still give room for many layers.
    private const int VolumeSize = 256 * 1024;
    private static readonly long[] BlockSizes = [4096, 16384];

    [Fact]
    public void Head_and_snapshots_read_and_diff_like_the_model_after_every_step()
    {
        var histories = Arb.From(Gen.Choose(1, 30).SelectMany(count => Operation().ListOf(count)), Shrink);

        Prop.ForAll(histories, (List<ReplicaOperation> history) => RunAsync(history)).Check(Config.QuickThrowOnFailure.WithMaxTest(60));
    }

    private static Gen<ReplicaOperation> Operation()
    {
        var write =
            from offset in Gen.Choose(0, VolumeSize - 1)
            from aligned in Gen.Choose(0, 2)
            from length in Gen.Choose(1, 3 * Replica.SectorSize)
            from seed in Gen.Choose(0, int.MaxValue)
            let start = aligned == 0 ? offset / Replica.SectorSize * Replica.SectorSize : offset
            select (ReplicaOperation)new WriteOperation(start, Math.Min(length, VolumeSize - start), seed);

        return Gen.Frequency(
            (8, write),
            (3, Gen.Constant<ReplicaOperation>(new SnapshotOperation())),
            (3, Gen.Choose(0, 1000).Select(pick => (ReplicaOperation)new DeleteOperation(pick))),
            (1, Gen.Choose(0, 1000).Select(pick => (ReplicaOperation)new RevertOperation(pick))),
            (1, Gen.Constant<ReplicaOperation>(new ReopenOperation())));
    }

    private static IEnumerable<List<ReplicaOperation>> Shrink(List<ReplicaOperation> history)
    {
        if (history.Count > 1)
        {
            yield return history[..(history.Count / 2)];
        }

        for (var i = 0; i < history.Count; i++)
        {
            yield return [.. history[..i], .. history[(i + 1)..]];
        }
    }

    private static async Task RunAsync(List<ReplicaOperation> history)
    {
        using var temp = new TempDirectory();
        var dir = temp.Sub("replica");
        var model = new ReplicaModel(VolumeSize);
        var replica = Replica.Create(dir, VolumeSize);
        try
        {
            for (var step = 0; step < history.Count; step++)
            {
                var operation = history[step];
                switch (operation)
                {
                    case WriteOperation write:
                        var data = Pattern(write.Length, write.Seed);
                        await replica.WriteAsync(write.Offset, data);
                        model.Write(write.Offset, data);
                        break;
                    case SnapshotOperation:
                        await replica.CreateSnapshotAsync(model.Snapshot().Name);
                        break;
                    case DeleteOperation delete when model.Snapshots.Count > 0:
                        var doomed = model.Snapshots[delete.Pick % model.Snapshots.Count];
                        await replica.DeleteSnapshotAsync(doomed.Name);
                        model.Delete(doomed);
                        break;
                    case RevertOperation revert when model.Snapshots.Count > 0:
                        var target = model.Snapshots[revert.Pick % model.Snapshots.Count];
                        await replica.RevertAsync(target.Name);
                        model.Revert(target);
                        break;
                    case ReopenOperation:
                        await replica.DisposeAsync();
                        replica = Replica.Open(dir);
                        break;
                }

                await VerifyAsync(replica, model, $"after step {step} ({operation})");
            }
        }
        finally
        {
            await replica.DisposeAsync();
        }
    }

    private static async Task VerifyAsync(Replica replica, ReplicaModel model, string when)
    {
        SameBytes(model.Head, await ReadVolumeAsync(replica), $"head {when}");
        Assert.Equal(
            model.Snapshots.Select(s => s.Name).Order(StringComparer.Ordinal),
            replica.ListSnapshots().Where(s => !s.Removed).Select(s => s.Name).Order(StringComparer.Ordinal));

        foreach (var snapshot in model.Snapshots)
        {
            await using var reader = await replica.OpenSnapshotAsync(snapshot.Name, CancellationToken.None);
            var content = new byte[VolumeSize];
            await reader.ReadAsync(0, content, CancellationToken.None);
            SameBytes(snapshot.Content, content, $"snapshot {snapshot.Name} {when}");

            foreach (var blockSize in BlockSizes)
            {
                foreach (var baseSnapshot in model.Snapshots.Where(s => s != snapshot).Append(null))
                {
                    var what = $"diff {snapshot.Name} against {baseSnapshot?.Name ?? "nothing"} in {blockSize}-byte blocks {when}";
                    if (baseSnapshot is not null && !ReplicaModel.IsAncestor(baseSnapshot, snapshot))
                    {
                        var error = await Assert.ThrowsAsync<Longhorn.Engine.SnapshotNotInChainException>(
                            async () => await reader.CompareAsync(baseSnapshot.Name, blockSize, CancellationToken.None));
                        Assert.Equal($"failed to find snapshot {baseSnapshot.Name} in chain", error.Message);
                        continue;
                    }

                    var mappings = await reader.CompareAsync(baseSnapshot?.Name, blockSize, CancellationToken.None);
                    var offsets = mappings.Select(m => m.Offset).ToList();
                    Assert.True(mappings.All(m => m.Size == blockSize && m.Offset % blockSize == 0), $"{what}: misaligned mapping");
                    Assert.True(offsets.SequenceEqual(offsets.Distinct().Order()), $"{what}: not ascending and distinct");

                    var missing = ReplicaModel.DifferingBlocks(baseSnapshot, snapshot, blockSize).Except(offsets).ToList();
                    Assert.True(missing.Count == 0, $"{what}: changed blocks not reported: {string.Join(", ", missing)}");
                    var unwritten = offsets.Except(model.WrittenBlocks(baseSnapshot, snapshot, blockSize)).ToList();
                    Assert.True(unwritten.Count == 0, $"{what}: reported blocks nobody wrote: {string.Join(", ", unwritten)}");
                }
            }
        }
    }
}
