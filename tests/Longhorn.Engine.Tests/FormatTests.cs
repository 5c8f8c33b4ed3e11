using System.Text;
using Longhorn.Engine.Blocks;
using Longhorn.Engine.Format;
using Longhorn.Engine.Locks;

namespace Longhorn.Engine.Tests;

public sealed class FormatTests
{
    private const string BlockA = "0e40a436f8fb0e52220bfc58105122a14bb42e90ddc03e6366334c6d9e8ed50f";
    private const string BlockB = "07845f9f6994e96c314a48a6c67740a65d91826a9bd39d869412fcc84117bab4";
    private const string BlockZero = "731859029215873fdac1c9f2f8bd25a334abf0f3a9e1b057cf2cacc2826d86b0";

    [Theory]
    [InlineData("vol1", "backupstore/volumes/01/9c/vol1/")]
    [InlineData("pvc-0a1b2c3d", "backupstore/volumes/3d/d7/pvc-0a1b2c3d/")]
    [InlineData("test-volume", "backupstore/volumes/79/08/test-volume/")]
    [InlineData("BACKINGIMAGE", "backupstore/volumes/22/fc/BACKINGIMAGE/")]
    public void Volume_directory_is_derived_from_sha512_of_the_name(string name, string expected) =>
        Assert.Equal(expected, StorePaths.Volume(name));

    [Theory]
    [InlineData((byte)'a', BlockA)]
    [InlineData((byte)'b', BlockB)]
    [InlineData((byte)0, BlockZero)]
    public void Block_id_is_sha512_prefix_of_uncompressed_data(byte fill, string expected)
    {
        var block = new byte[2 * 1024 * 1024];
        Array.Fill(block, fill);
        Assert.Equal(expected, BlockId.Compute(block));
        Assert.Equal($"backupstore/volumes/01/9c/vol1/blocks/{expected[..2]}/{expected[2..4]}/{expected}.blk",
            StorePaths.Block("vol1", expected));
    }

    [Fact]
    public void Volume_cfg_is_written_exactly_as_go_writes_it()
    {
        var first = new VolumeConfig
        {
            Name = "vol1", Size = 1073741824, Labels = new Dictionary<string, string> { ["KubernetesStatus"] = "{}" },
            CreatedTime = "2024-01-02T03:04:05Z", CompressionMethod = "lz4", StorageClassName = "longhorn",
        };
        Assert.Equal(
            """{"Name":"vol1","Size":"1073741824","Labels":{"KubernetesStatus":"{}"},"CreatedTime":"2024-01-02T03:04:05Z","LastBackupName":"","LastBackupAt":"","BlockCount":"0","BackingImageName":"\"\"","BackingImageChecksum":"\"\"","CompressionMethod":"\"lz4\"","StorageClassName":"\"longhorn\"","DataEngine":"\"\""}""",
            Encoding.UTF8.GetString(first.ToJson()));
        var after = first with { LastBackupName = "backup-0123456789ab4def", LastBackupAt = "2024-01-02T03:04:06Z", BlockCount = 3, DataEngine = "v1" };
        Assert.Equal(
            """{"Name":"vol1","Size":"1073741824","Labels":{"KubernetesStatus":"{}"},"CreatedTime":"2024-01-02T03:04:05Z","LastBackupName":"backup-0123456789ab4def","LastBackupAt":"2024-01-02T03:04:06Z","BlockCount":"3","BackingImageName":"\"\"","BackingImageChecksum":"\"\"","CompressionMethod":"\"lz4\"","StorageClassName":"\"longhorn\"","DataEngine":"\"v1\""}""",
            Encoding.UTF8.GetString(after.ToJson()));
        Assert.Equal(after, VolumeConfig.FromJson(after.ToJson()) with { Labels = after.Labels });
        Assert.Equal("{}", VolumeConfig.FromJson(after.ToJson()).Labels!["KubernetesStatus"]);
    }

    [Fact]
    public void Backup_cfgs_are_written_exactly_as_go_writes_them()
    {
        var placeholder = new BackupConfig { Name = "backup-0123456789ab4def", VolumeName = "vol1", CompressionMethod = "lz4" };
        Assert.Equal(
            """{"Name":"backup-0123456789ab4def","VolumeName":"vol1","SnapshotName":"","SnapshotCreatedAt":"","CreatedTime":"","Size":"0","Labels":null,"Parameters":null,"IsIncremental":false,"CompressionMethod":"lz4","NewlyUploadedDataSize":"0","ReUploadedDataSize":"0","ProcessingBlocks":null,"SingleFile":{"FilePath":""}}""",
            Encoding.UTF8.GetString(placeholder.ToJson()));

        var full = placeholder with
        {
            SnapshotName = "snap1", SnapshotCreatedAt = "2024-01-02T03:04:06Z", CreatedTime = "2024-01-02T03:04:10Z", Size = 4194304,
            Labels = new Dictionary<string, string> { ["longhorn.io/volume-access-mode"] = "rwo", ["KubernetesStatus"] = "{}" },
            Parameters = new Dictionary<string, string> { ["backup-mode"] = "incremental", ["backup-block-size"] = "2097152" },
            NewlyUploadedDataSize = 10337, HasProcessingBlocks = true,
            Blocks = [new BackupBlock(0, BlockA), new BackupBlock(4194304, BlockZero)],
        };
        Assert.Equal(
            """{"Name":"backup-0123456789ab4def","VolumeName":"vol1","SnapshotName":"snap1","SnapshotCreatedAt":"2024-01-02T03:04:06Z","CreatedTime":"2024-01-02T03:04:10Z","Size":"4194304","Labels":{"KubernetesStatus":"{}","longhorn.io/volume-access-mode":"rwo"},"Parameters":{"backup-block-size":"2097152","backup-mode":"incremental"},"IsIncremental":false,"CompressionMethod":"lz4","NewlyUploadedDataSize":"10337","ReUploadedDataSize":"0","ProcessingBlocks":{},"Blocks":[{"Offset":0,"BlockChecksum":"0e40a436f8fb0e52220bfc58105122a14bb42e90ddc03e6366334c6d9e8ed50f"},{"Offset":4194304,"BlockChecksum":"731859029215873fdac1c9f2f8bd25a334abf0f3a9e1b057cf2cacc2826d86b0"}],"SingleFile":{"FilePath":""}}""",
            Encoding.UTF8.GetString(full.ToJson()));

        var read = BackupConfig.FromJson(full.ToJson());
        Assert.Equal(full.Blocks, read.Blocks);
        Assert.True(read.HasProcessingBlocks);
        Assert.Equal(2097152, read.BlockSize);
        Assert.False(BackupConfig.FromJson(placeholder.ToJson()).HasProcessingBlocks);
        Assert.True(BackupConfig.FromJson(placeholder.ToJson()).IsInProgress);
    }

    [Fact]
    public void Legacy_and_loosely_cased_cfgs_are_read_as_go_reads_them()
    {
        // Longhorn 1.3 era: no CompressionMethod, DataEngine, Parameters; an old key and lower-case keys.
        var volume = VolumeConfig.FromJson("""{"name":"old","SIZE":"2097152","Labels":null,"BackendStoreDriver":"x","BlockCount":"1","Unknown":[1,2]}"""u8);
        Assert.Equal("old", volume.Name);
        Assert.Equal(2097152, volume.Size);
        Assert.Equal("", volume.CompressionMethod);
        Assert.Equal(1, volume.BlockCount);

        var backup = BackupConfig.FromJson("""{"Name":"backup-1","VolumeName":"old","CreatedTime":"2020-01-01T00:00:00Z","Size":"2097152","blocks":[{"offset":0,"blockchecksum":"abc"}],"BlockSize":"4096"}"""u8);
        Assert.Equal("", backup.CompressionMethod);
        Assert.Equal(2097152, backup.BlockSize);
        Assert.Single(backup.Blocks);
        Assert.Equal(0, backup.NewlyUploadedDataSize);
        Assert.False(backup.IsInProgress);

        Assert.Equal("lz4", VolumeConfig.FromJson("""{"Name":"v","CompressionMethod":"\"lz4\""}"""u8).CompressionMethod);
        Assert.Equal("", VolumeConfig.FromJson("""{"Name":"v","CompressionMethod":null}"""u8).CompressionMethod);
    }

    [Fact]
    public void Keys_are_matched_as_go_matches_them_the_last_one_winning_whatever_came_before()
    {
        // The last of several keys that differ in case wins, an earlier one of the wrong type included; escaped key names
        // match as their text; unknown keys, nested or not, are skipped; what follows the first value is ignored.
        var backup = BackupConfig.FromJson("""
            {"Size":true,"Name":"first","Unknown":{"Blocks":[1,{"x":[{}]}]},"N\u0061ME":"second","size":"4194304",
             "Blocks":[{"Offset":"wrong","BlockChecksum":"a","OFFSET":2097152,"extra":null}],"blocks":[{"offset":4194304,"blockChecksum":"b"},{"Offset":null}]}
            {"Name":"ignored"}
            """u8);
        Assert.Equal("second", backup.Name);
        Assert.Equal(4194304, backup.Size);
        Assert.Equal([new BackupBlock(4194304, "b"), new BackupBlock(0, "")], backup.Blocks);
        Assert.Null(backup.Labels);
    }

    [Theory]
    [InlineData("""{"Blocks":[{"Offset":0},{"Offset":"x"}]}""", "Blocks[1]: field Offset: expected an integer, found String \"x\"")]
    [InlineData("""{"Blocks":[{"Offset":0},7]}""", "Blocks[1]: expected a JSON object, found Number")]
    [InlineData("""{"Blocks":{"Offset":0}}""", "field Blocks: expected an array, found Object {\"Offset\":0}")]
    [InlineData("""{"Labels":{"a":"b","c":1}}""", "field Labels.c: expected a string, found Number 1")]
    [InlineData("""{"Name":["a very long value that is cut short in the message"]}""", "field Name: expected a string, found Array [\"a very long value that is cut short in...")]
    [InlineData("""{"Blocks":[{"Offset":0},]}""", "malformed JSON")]
    [InlineData("", "malformed JSON")]
    public void A_wrong_value_in_a_backup_cfg_is_named_with_where_it_is(string json, string expected)
    {
        var e = Assert.Throws<FormatException>(() => BackupConfig.FromJson(Encoding.UTF8.GetBytes(json)));
        Assert.StartsWith(expected, e.Message);
    }

    [Theory]
    [InlineData("""{"Name":"v","Size":"12""", "malformed JSON")]
    [InlineData("""{"Name":"v","Size":true}""", "field Size")]
    [InlineData("""{"Name":"v","Size":"ten"}""", "field Size")]
    [InlineData("""[1,2]""", "expected a JSON object")]
    public void Malformed_cfgs_fail_with_a_message_naming_the_problem(string json, string expected)
    {
        var e = Assert.Throws<FormatException>(() => VolumeConfig.FromJson(Encoding.UTF8.GetBytes(json)));
        Assert.Contains(expected, e.Message);
    }

    [Fact]
    public void Lock_file_is_written_as_go_writes_it()
    {
        var file = new LockFile("lock-0123456789ab4def", LockType.BackupOrRestore, false);
        Assert.Equal("""{"Name":"lock-0123456789ab4def","Type":1,"Acquired":false}""", Encoding.UTF8.GetString(file.ToJson()));
        Assert.Equal(file with { Acquired = true }, LockFile.FromJson("""{"Name":"lock-0123456789ab4def","Type":1,"Acquired":true}"""u8));
    }

    [Fact]
    public void Strings_are_escaped_as_go_escapes_them()
    {
        var volume = new VolumeConfig { Name = "v", Labels = new Dictionary<string, string> { ["k"] = "a<b>&\"\\\n\u2028é" } };
        Assert.Contains("""{"k":"a\u003cb\u003e\u0026\"\\\n\u2028é"}""", Encoding.UTF8.GetString(volume.ToJson()));
        Assert.Equal(volume.Labels["k"], VolumeConfig.FromJson(volume.ToJson()).Labels!["k"]);
    }

    [Theory]
    [InlineData("s3://bucket@us-east-1/path/", "s3://bucket@us-east-1/path/?backup=backup-0123456789ab4def&volume=vol1")]
    [InlineData("nfs://10.0.0.1:/export/lh?nfsOptions=soft,timeo=300", "nfs://10.0.0.1:/export/lh?backup=backup-0123456789ab4def&nfsOptions=soft%2Ctimeo%3D300&volume=vol1")]
    [InlineData("vfs:///var/backup", "vfs:///var/backup?backup=backup-0123456789ab4def&volume=vol1")]
    public void Backup_urls_are_encoded_with_sorted_escaped_queries(string target, string expected)
    {
        Assert.Equal(expected, BackupUrl.Encode(target, "vol1", "backup-0123456789ab4def"));
        var (decodedTarget, volume, backup) = BackupUrl.Decode(expected);
        Assert.Equal("vol1", volume);
        Assert.Equal("backup-0123456789ab4def", backup);
        Assert.Equal(target.Replace("soft,timeo=300", "soft%2Ctimeo%3D300"), decodedTarget);
    }

    [Theory]
    [InlineData("vfs:///x?volume=../x&backup=backup-1")]
    [InlineData("vfs:///x?backup=backup-1")]
    [InlineData("vfs:///x?volume=vol1&backup=a")]
    public void Backup_urls_with_invalid_names_are_rejected(string url) =>
        Assert.Throws<BackupStoreArgumentException>(() => BackupUrl.Decode(url));

    [Fact]
    public void Generated_names_have_the_uuid_v4_shape()
    {
        for (var i = 0; i < 50; i++)
            Assert.Matches("^backup-[0-9a-f]{12}4[0-9a-f]{3}$", Names.Generate("backup"));
    }

    [Theory]
    [InlineData("../x")]
    [InlineData("")]
    [InlineData("a")]
    [InlineData("-leading-dash")]
    [InlineData("has space")]
    [InlineData("slash/inside")]
    [InlineData("x12345678901234567890123456789012345678901234567890123456789012345")]
    public void Invalid_names_are_rejected_with_the_name_in_the_message(string name)
    {
        var e = Assert.Throws<BackupStoreArgumentException>(() => Names.Validate(name, "volume"));
        Assert.Contains("invalid volume name", e.Message);
    }

    [Theory]
    [InlineData("2097152", 2097152)]
    [InlineData("2Mi", 2097152)]
    [InlineData("16Mi", 16777216)]
    [InlineData("2M", 2000000)]
    [InlineData("0", 2097152)]
    public void Block_size_parameter_is_a_kubernetes_quantity(string text, long expected) =>
        Assert.Equal(expected, BlockSizes.FromParameters(new Dictionary<string, string> { ["backup-block-size"] = text }));
}
