using System.Net;
using System.Net.Sockets;
using Longhorn.Engine.Store;
using Longhorn.Engine.Store.S3;
using Longhorn.Engine.Tests.Support;

namespace Longhorn.Engine.Tests.S3;

/// <summary>Bad targets and secrets fail with an error naming the target, before anything is written.</summary>
public sealed class S3BadTargetTests(EmulatorServer server) : IClassFixture<EmulatorServer>
{
    private static readonly BackupStoreDrivers Drivers = new BackupStoreDrivers().AddS3(S3TestTarget.FastRetries);

    private Dictionary<string, string> Credentials(string? endpoint = null) => new(server.Target.Credentials)
    {
        [S3Settings.EndpointsKey] = endpoint ?? server.Target.Endpoint.ToString(),
    };

    [Theory]
    [InlineData("s3://backupbucket", "must be either s3://bucket@region/path/, or s3://bucket/path")]
    [InlineData("s3://@us-east-1/path/", "invalid bucket name ''")]
    [InlineData("s3://backupbucket@/path/", "not an absolute URL")]
    [InlineData("s3://bad_bucket!/path/", "not an absolute URL")]
    [InlineData("s3://ab/path/", "invalid bucket name 'ab'")]
    [InlineData("s3://backupbucket@us_east/path/", "invalid region 'us_east'")]
    [InlineData("s3://backupbucket@us-east-1/a/../../b/", "may not contain '..'")]
    [InlineData("gs://backupbucket/path/", "unsupported scheme gs")]
    public void Malformed_urls_and_unknown_schemes_are_rejected_naming_the_target(string url, string expected)
    {
        var e = Assert.Throws<BackupStoreArgumentException>(() => Drivers.Create(url, Credentials()));
        Assert.Contains(url, e.Message);
        Assert.Contains(expected, e.Message);
    }

    [Theory]
    [InlineData(null, null, "missing credentials for backup target s3://backupbucket@us-east-1/x/")]
    [InlineData("key", null, "AWS_ACCESS_KEY_ID is set but AWS_SECRET_ACCESS_KEY is missing")]
    [InlineData(null, "secret", "AWS_SECRET_ACCESS_KEY is set but AWS_ACCESS_KEY_ID is missing")]
    [InlineData(" key", "secret", "AWS_ACCESS_KEY_ID has leading or trailing whitespace")]
    public void Missing_or_half_set_credentials_are_rejected_naming_the_target(string? accessKey, string? secretKey, string expected)
    {
        var credentials = new Dictionary<string, string> { [S3Settings.EndpointsKey] = server.Target.Endpoint.ToString() };
        if (accessKey is not null) credentials[S3Settings.AccessKeyIdKey] = accessKey;
        if (secretKey is not null) credentials[S3Settings.SecretAccessKeyKey] = secretKey;
        var e = Assert.Throws<BackupStoreArgumentException>(() => Drivers.Create("s3://backupbucket@us-east-1/x/", credentials));
        Assert.Contains(expected, e.Message);
        Assert.Contains("s3://backupbucket@us-east-1/x/", e.Message);
    }

    [Fact]
    public async Task An_unreachable_endpoint_fails_the_connection_test_naming_the_target()
    {
        int port;
        using (var listener = new TcpListener(IPAddress.Loopback, 0))
        {
            listener.Start();
            port = ((IPEndPoint)listener.LocalEndpoint).Port;
        }
        var e = await Assert.ThrowsAsync<BackupStoreException>(() =>
            Drivers.CreateAsync("s3://backupbucket@us-east-1/x/", Credentials($"http://127.0.0.1:{port}")));
        Assert.StartsWith("backup target s3://backupbucket@us-east-1/x/ is not available", e.Message);
        Assert.Contains("Connection refused", e.Message);
    }

    [Fact]
    public async Task A_missing_bucket_or_a_wrong_secret_fails_the_connection_test_and_writes_nothing()
    {
        var before = await ObjectsAsync();
        var missing = await Assert.ThrowsAsync<BackupStoreException>(() => Drivers.CreateAsync("s3://nosuchbucket@us-east-1/x/", Credentials()));
        Assert.Contains("backup target s3://nosuchbucket@us-east-1/x/ is not available", missing.Message);
        Assert.Contains("bucket nosuchbucket does not exist", missing.Message);

        var wrong = Credentials();
        wrong[S3Settings.SecretAccessKeyKey] = "wrong";
        var denied = await Assert.ThrowsAsync<BackupStoreException>(() => Drivers.CreateAsync("s3://backupbucket@us-east-1/x/", wrong));
        Assert.Contains("backup target s3://backupbucket@us-east-1/x/ is not available", denied.Message);
        Assert.Contains("403 SignatureDoesNotMatch", denied.Message);

        Assert.Equal(before, await ObjectsAsync());
    }

    private async Task<IReadOnlyList<string>> ObjectsAsync()
    {
        using var bs = new TestStore(await server.Target.CreateDriverAsync("s3://backupbucket/"));
        return await bs.ObjectsAsync("");
    }
}
