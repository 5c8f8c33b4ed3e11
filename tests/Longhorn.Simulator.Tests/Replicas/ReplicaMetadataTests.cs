using System.Text;
using Longhorn.Simulator.Replicas;
using static Longhorn.Simulator.Tests.Replicas.ReplicaAssert;

namespace Longhorn.Simulator.Tests.Replicas;

/// <summary>The metadata files: exact bytes as Go writes them, tolerant reading, head numbering, revision counter.</summary>
public sealed class ReplicaMetadataTests
{
    private static readonly DateTimeOffset T0 = new(2026, 1, 2, 3, 4, 5, TimeSpan.Zero);

    [Fact]
    public async Task Create_writes_head_000_and_a_dirty_volume_meta()
    {
        using var temp = new TempDirectory();
        var dir = temp.Sub("replica");

        await using var replica = Replica.Create(dir, 4 * MiB, new ReplicaOptions { TimeProvider = new ManualClock(T0.AddTicks(1234)) });

        FileIs(
            Path.Combine(dir, "volume-head-000.img.meta"),
            """{"Name":"volume-head-000.img","Parent":"","Removed":false,"UserCreated":false,"Created":"2026-01-02T03:04:05Z","Labels":null}""" + "\n");
        FileIs(
            Path.Combine(dir, "volume.meta"),
            """{"Size":4194304,"Head":"volume-head-000.img","Dirty":true,"Rebuilding":false,"Error":"","Parent":"","SectorSize":512,"BackingFilePath":"","Encrypted":false}""" + "\n");
        Assert.Equal(4 * MiB, new FileInfo(Path.Combine(dir, "volume-head-000.img")).Length);
        Assert.Empty(replica.GetAllocatedExtents("volume-head-000.img"));
        Assert.False(File.Exists(Path.Combine(dir, "revision.counter")));
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute, File.GetUnixFileMode(dir));
    }

    [Theory]
    [InlineData(0)]
    [InlineData(-4096)]
    [InlineData(4096 + 512)]
    public void Create_refuses_a_size_that_is_not_a_positive_multiple_of_4096(long size)
    {
        using var temp = new TempDirectory();

        Assert.Throws<ArgumentOutOfRangeException>(() => Replica.Create(temp.Sub("replica"), size));
    }

    [Fact]
    public async Task Snapshot_labels_are_written_sorted_with_html_characters_escaped_as_go_does()
    {
        using var temp = new TempDirectory();
        var dir = temp.Sub("replica");
        await using var replica = Replica.Create(dir, 1 * MiB, new ReplicaOptions { TimeProvider = new ManualClock(T0) });

        var labels = new Dictionary<string, string> { ["zeta"] = "<a href=\"x\">&</a>", ["Alpha"] = "tab\there\u2028", ["beta"] = "é" };
        await replica.CreateSnapshotAsync("s1", userCreated: false, labels);

        FileIs(
            Path.Combine(dir, "volume-snap-s1.img.meta"),
            """{"Name":"volume-head-000.img","Parent":"","Removed":false,"UserCreated":false,"Created":"2026-01-02T03:04:05Z","Labels":{"Alpha":"tab\there\u2028","beta":"é","zeta":"\u003ca href=\"x\"\u003e\u0026\u003c/a\u003e"}}""" + "\n");
        var info = Assert.Single(replica.ListSnapshots());
        Assert.Equal(labels.OrderBy(l => l.Key), info.Labels.OrderBy(l => l.Key));
        Assert.False(info.UserCreated);
    }

    [Fact]
    public async Task Head_numbers_follow_longhorns_last_digit_regexp_quirk()
    {
        using var temp = new TempDirectory();
        await using var replica = Replica.Create(temp.Sub("replica"), 1 * MiB);
        var heads = new List<string> { replica.HeadFileName };

        for (var i = 0; i < 12; i++)
        {
            await replica.CreateSnapshotAsync($"s{i}");
            heads.Add(replica.HeadFileName);
        }

        Assert.Equal(
            ["000", "001", "002", "003", "004", "005", "006", "007", "008", "009", "010", "001", "002"],
            heads.Select(h => h["volume-head-".Length..^".img".Length]));
        Assert.Equal(["volume-head-002.img", "volume-snap-s11.img", "volume-snap-s10.img"], replica.LiveChain.Take(3));
    }

    [Fact]
    public async Task Open_reads_metadata_tolerantly_like_gos_decoder()
    {
        using var temp = new TempDirectory();
        var dir = temp.Path;
        File.WriteAllText(
            Path.Combine(dir, "volume.meta"),
            """{"size":1048576,"HEAD":"volume-head-003.img","Dirty":false,"Rebuilding":false,"Parent":"stale.img","SectorSize":512,"BackingFileName":"","Future":{"x":[1,2]}}""" + "\n");
        using (var head = File.Create(Path.Combine(dir, "volume-head-003.img")))
        {
            head.SetLength(1 * MiB);
        }

        File.WriteAllText(Path.Combine(dir, "volume-head-003.img.meta"), """{"name":"whatever","parent":"volume-snap-old.img"}""");
        using (var snapshot = File.Create(Path.Combine(dir, "volume-snap-old.img")))
        {
            snapshot.SetLength(1 * MiB);
            snapshot.Write("data"u8);
        }

        File.WriteAllText(
            Path.Combine(dir, "volume-snap-old.img.meta"),
            """{"Name":"volume-head-002.img","Parent":"","Removed":null,"UserCreated":true,"Created":"2022-02-22T07:36:48Z","Labels":{"k":"v"},"Extra":true} trailing""");

        await using var replica = Replica.Open(dir, new ReplicaOptions { TimeProvider = new ManualClock(T0) });

        Assert.Equal(1 * MiB, replica.VolumeSize);
        Assert.Equal(["volume-head-003.img", "volume-snap-old.img"], replica.LiveChain);
        var snapshotInfo = Assert.Single(replica.ListSnapshots());
        Assert.Equal(("old", "", false, true, "2022-02-22T07:36:48Z"), (snapshotInfo.Name, snapshotInfo.Parent, snapshotInfo.Removed, snapshotInfo.UserCreated, snapshotInfo.Created));
        Assert.Equal(["volume-head"], snapshotInfo.Children);
        Assert.Equal("v", Assert.Single(snapshotInfo.Labels).Value);
        var data = new byte[4];
        await replica.ReadAsync(0, data);
        Assert.Equal("data"u8.ToArray(), data);
        FileIs(
            Path.Combine(dir, "volume.meta"),
            """{"Size":1048576,"Head":"volume-head-003.img","Dirty":true,"Rebuilding":false,"Error":"","Parent":"volume-snap-old.img","SectorSize":512,"BackingFilePath":"","Encrypted":false}""" + "\n");

        await replica.MarkSnapshotRemovedAsync("old");
        FileIs(
            Path.Combine(dir, "volume-snap-old.img.meta"),
            """{"Name":"volume-snap-old.img","Parent":"","Removed":true,"UserCreated":true,"Created":"2022-02-22T07:36:48Z","Labels":{"k":"v"}}""" + "\n");
        await replica.CreateSnapshotAsync("next");
        Assert.Equal("volume-head-004.img", replica.HeadFileName);
    }

    [Fact]
    public void Open_rejects_a_chain_whose_parent_has_no_metadata()
    {
        using var temp = new TempDirectory();
        var dir = temp.Path;
        File.WriteAllText(Path.Combine(dir, "volume.meta"), """{"Size":1048576,"Head":"volume-head-000.img"}""");
        File.Create(Path.Combine(dir, "volume-head-000.img")).Dispose();
        File.WriteAllText(Path.Combine(dir, "volume-head-000.img.meta"), """{"Parent":"volume-snap-gone.img"}""");

        var error = Assert.Throws<InvalidDataException>(() => Replica.Open(dir));

        Assert.Contains("failed to find metadata for volume-snap-gone.img", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Revision_counter_counts_writes_not_snapshots_and_survives_reopen()
    {
        using var temp = new TempDirectory();
        var dir = temp.Sub("replica");
        var options = new ReplicaOptions { EnableRevisionCounter = true };
        await using (var replica = Replica.Create(dir, 1 * MiB, options))
        {
            FileIs(Path.Combine(dir, "revision.counter"), "0" + new string('\0', 4095));
            for (var i = 0; i < 11; i++)
            {
                await replica.WriteAsync(i * 100, new byte[10]);
            }

            await replica.CreateSnapshotAsync("s1");
            Assert.Equal(11, replica.RevisionCount);
        }

        FileIs(Path.Combine(dir, "revision.counter"), "11" + new string('\0', 4094));
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(Path.Combine(dir, "revision.counter")));
        await using var reopened = Replica.Open(dir, options);
        await reopened.WriteAsync(0, new byte[1]);
        FileIs(Path.Combine(dir, "revision.counter"), "12" + new string('\0', 4094));
    }

    [Fact]
    public async Task Snapshot_names_must_be_new_and_usable_as_file_names()
    {
        using var temp = new TempDirectory();
        await using var replica = Replica.Create(temp.Sub("replica"), 1 * MiB);
        await replica.CreateSnapshotAsync("s1");

        var duplicate = await Assert.ThrowsAsync<ReplicaException>(async () => await replica.CreateSnapshotAsync("s1"));
        Assert.Equal("snapshot volume-snap-s1.img is already existing", duplicate.Message);
        await Assert.ThrowsAsync<ArgumentException>(async () => await replica.CreateSnapshotAsync("../escape"));
        await Assert.ThrowsAsync<ArgumentException>(async () => await replica.CreateSnapshotAsync(""));
        Assert.Equal("volume-head-001.img", replica.HeadFileName);
    }

    [Fact]
    public async Task Dispose_rewrites_volume_meta_clean_and_reopen_marks_it_dirty_again()
    {
        using var temp = new TempDirectory();
        var dir = temp.Sub("replica");
        await Replica.Create(dir, 1 * MiB).DisposeAsync();
        Assert.Contains("\"Dirty\":false", Encoding.UTF8.GetString(File.ReadAllBytes(Path.Combine(dir, "volume.meta"))), StringComparison.Ordinal);

        await using var replica = Replica.Open(dir);

        Assert.Contains("\"Dirty\":true", Encoding.UTF8.GetString(File.ReadAllBytes(Path.Combine(dir, "volume.meta"))), StringComparison.Ordinal);
        Assert.DoesNotContain(Directory.GetFiles(dir), f => f.EndsWith(".tmp", StringComparison.Ordinal));
    }
}
