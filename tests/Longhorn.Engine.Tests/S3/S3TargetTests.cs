using Longhorn.Engine.Store.S3;

namespace Longhorn.Engine.Tests.S3;

/// <summary>s3:// URLs parse as Longhorn's s3 driver parses them, and store paths join the prefix as Go's filepath.Join does.</summary>
public sealed class S3TargetTests
{
    [Theory]
    [InlineData("s3://bkt@us-east-1/path/", "bkt", "us-east-1", "path/", "s3://bkt@us-east-1/path/")]
    [InlineData("s3://bkt@us-east-1/", "bkt", "us-east-1", "", "s3://bkt@us-east-1/")]
    [InlineData("s3://bkt/path", "bkt", null, "path", "s3://bkt/path")]
    [InlineData("s3://my.bucket/a/b/", "my.bucket", null, "a/b/", "s3://my.bucket/a/b/")]
    [InlineData("s3://bkt@eu-west-1/path/?backup=backup-1&volume=vol1", "bkt", "eu-west-1", "path/", "s3://bkt@eu-west-1/path/")]
    public void Both_url_forms_give_bucket_region_prefix_and_the_normalised_url(string url, string bucket, string? region, string prefix, string normalised)
    {
        var target = S3Target.Parse(url);
        Assert.Equal(new S3Target(bucket, region, prefix), target);
        Assert.Equal(normalised, target.Url);
    }

    [Theory]
    [InlineData("path/", "backupstore/volumes/01/9c/vol1/volume.cfg", "path/backupstore/volumes/01/9c/vol1/volume.cfg")]
    [InlineData("", "backupstore/volumes/01/9c/vol1/volume.cfg", "backupstore/volumes/01/9c/vol1/volume.cfg")]
    [InlineData("path", "backupstore/volumes/01/9c/vol1/", "path/backupstore/volumes/01/9c/vol1/")]
    [InlineData("a//b/", "./backupstore//x.cfg", "a/b/backupstore/x.cfg")]
    [InlineData("path/", "", "path")]
    public void Keys_are_the_prefix_joined_with_the_store_path(string prefix, string storePath, string key) =>
        Assert.Equal(key, new S3Target("bkt", null, prefix).Key(storePath));

    [Theory]
    [InlineData("path/", "backupstore/volumes", "path/backupstore/volumes/")]
    [InlineData("path/", "backupstore/volumes/", "path/backupstore/volumes/")]
    [InlineData("", "", "")]
    [InlineData("path/", "", "path/")]
    public void Listings_use_the_directory_key_with_one_trailing_slash(string prefix, string storePath, string listPrefix) =>
        Assert.Equal(listPrefix, new S3Target("bkt", null, prefix).DirectoryPrefix(storePath));

    [Fact]
    public void A_store_path_cannot_climb_out_of_the_prefix()
    {
        var e = Assert.Throws<BackupStoreArgumentException>(() => new S3Target("bkt", null, "path/").Key("../../other/x.cfg"));
        Assert.Contains("escapes the backupstore prefix", e.Message);
    }
}
