using System.Text;
using Longhorn.Engine.Snapshots;
using Longhorn.Simulator.Replicas;

namespace Longhorn.Simulator.Tests.Replicas;

/// <summary>Reads and checks shared by the replica tests.</summary>
internal static class ReplicaAssert
{
    public const long MiB = 1024 * 1024;

    public static async Task<byte[]> ReadVolumeAsync(Replica replica)
    {
        var buffer = new byte[replica.VolumeSize];
        await replica.ReadAsync(0, buffer);
        return buffer;
    }

    public static async Task<byte[]> ReadSnapshotAsync(Replica replica, string snapshot)
    {
        await using var reader = await replica.OpenSnapshotAsync(snapshot, CancellationToken.None);
        var buffer = new byte[replica.VolumeSize];
        await reader.ReadAsync(0, buffer, CancellationToken.None);
        return buffer;
    }

    public static async Task<IReadOnlyList<BlockMapping>> CompareAsync(Replica replica, string snapshot, string? baseSnapshot, long blockSize)
    {
        await using var reader = await replica.OpenSnapshotAsync(snapshot, CancellationToken.None);
        return await reader.CompareAsync(baseSnapshot, blockSize, CancellationToken.None);
    }

    /// <summary>Byte equality that reports the first difference instead of dumping megabytes.</summary>
    public static void SameBytes(ReadOnlyMemory<byte> expectedBytes, ReadOnlyMemory<byte> actualBytes, string what)
    {
        var expected = expectedBytes.Span;
        var actual = actualBytes.Span;
        Assert.True(expected.Length == actual.Length, $"{what}: length {actual.Length}, expected {expected.Length}");
        var mismatch = expected.CommonPrefixLength(actual);
        if (mismatch < expected.Length)
        {
            Assert.Fail($"{what}: first difference at byte {mismatch} (sector {mismatch / Replica.SectorSize}): " +
                        $"expected 0x{expected[mismatch]:x2}, got 0x{actual[mismatch]:x2}");
        }
    }

    public static void FileIs(string path, string expectedText) =>
        Assert.Equal(expectedText, Encoding.UTF8.GetString(File.ReadAllBytes(path)));

    public static byte[] Pattern(int length, int seed)
    {
        var bytes = new byte[length];
        new Random(seed).NextBytes(bytes);
        return bytes;
    }
}
