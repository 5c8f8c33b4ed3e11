using Longhorn.Engine.Snapshots;
using Longhorn.Simulator.Replicas;
using static Longhorn.Simulator.Tests.Replicas.ReplicaAssert;

namespace Longhorn.Simulator.Tests.Replicas;

/// <summary>A volume with a raw backing image (spec §1.8): it fills sectors no layer has, and diffs never report it.</summary>
public sealed class ReplicaBackingFileTests
{
    private const long VolumeSize = 1 * MiB;

    [Fact]
    public async Task Sectors_no_layer_has_read_from_the_backing_file_and_are_never_reported_as_changed()
    {
        using var temp = new TempDirectory();
        var backingPath = temp.Sub("backing");
        var backing = Pattern((int)VolumeSize, seed: 1);
        File.WriteAllBytes(backingPath, backing);
        var dir = temp.Sub("replica");
        await CreateWithBackingAsync(dir, backingPath);

        await using var replica = Replica.Open(dir);
        var written = Pattern(4096, seed: 2);
        await replica.WriteAsync(8192, written);
        await replica.CreateSnapshotAsync("s1");

        var expected = (byte[])backing.Clone();
        written.CopyTo(expected, 8192);
        SameBytes(expected, await ReadVolumeAsync(replica), "head");
        SameBytes(expected, await ReadSnapshotAsync(replica, "s1"), "s1");
        Assert.Equal([new BlockMapping(8192, 4096)], await CompareAsync(replica, "s1", null, 4096));
    }

    [Fact]
    public async Task A_qcow2_backing_file_is_refused_with_a_clear_message()
    {
        using var temp = new TempDirectory();
        var backingPath = temp.Sub("backing.qcow2");
        File.WriteAllBytes(backingPath, [(byte)'Q', (byte)'F', (byte)'I', 0xFB, 0, 0, 0, 3]);
        var dir = temp.Sub("replica");
        await CreateWithBackingAsync(dir, backingPath);

        var error = Assert.Throws<NotSupportedException>(() => Replica.Open(dir));

        Assert.Contains("qcow2", error.Message, StringComparison.Ordinal);
    }

    /// <summary>Makes a replica, then points volume.meta at the backing file, as Longhorn records it.</summary>
    private static async Task CreateWithBackingAsync(string dir, string backingPath)
    {
        await Replica.Create(dir, VolumeSize).DisposeAsync();
        var meta = Path.Combine(dir, "volume.meta");
        File.WriteAllText(meta, File.ReadAllText(meta).Replace("\"BackingFilePath\":\"\"", $"\"BackingFilePath\":\"{backingPath}\"", StringComparison.Ordinal));
    }
}
