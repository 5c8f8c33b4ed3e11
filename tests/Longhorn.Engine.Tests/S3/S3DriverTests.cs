using System.Security.Cryptography;
using Amazon.Runtime;
using Amazon.S3;
using Longhorn.Engine.Backups;
using Longhorn.Engine.Store;
using Longhorn.Engine.Store.S3;
using Longhorn.Engine.Tests.Support;
using Longhorn.Simulator.S3;

namespace Longhorn.Engine.Tests.S3;

/// <summary>The S3 driver's requests: plain PUTs, batched deletes with a fallback, multipart, retries, timeouts, proxies, CAs.</summary>
public sealed class S3DriverTests : IAsyncDisposable
{
    private const int MiB = 1024 * 1024;
    private readonly TempDirectory _dir = new();
    private readonly List<S3Emulator> _emulators = [];
    private readonly CapturingLogger _log = new();

    public async ValueTask DisposeAsync()
    {
        foreach (var emulator in _emulators) await emulator.DisposeAsync();
        _dir.Dispose();
    }

    private async Task<S3Emulator> StartAsync(S3EmulatorOptions? options = null)
    {
        var emulator = new S3Emulator((options ?? new S3EmulatorOptions { DataDirectory = "" }) with { DataDirectory = _dir.Combine($"s3-{_emulators.Count}") });
        _emulators.Add(emulator);
        await emulator.StartAsync();
        return emulator;
    }

    private static Dictionary<string, string> Credentials(Uri endpoint, string secret = S3EmulatorOptions.DefaultSecretKey) => new()
    {
        [S3Settings.AccessKeyIdKey] = S3EmulatorOptions.DefaultAccessKey, [S3Settings.SecretAccessKeyKey] = secret,
        [S3Settings.EndpointsKey] = endpoint.ToString(),
    };

    private Task<IBackupStoreDriver> DriverAsync(Dictionary<string, string> credentials, S3DriverOptions? options = null, TimeProvider? time = null,
        string target = "s3://backupbucket@us-east-1/t/") =>
        new BackupStoreDrivers().AddS3(options ?? S3TestTarget.FastRetries, time, _log).CreateAsync(target, credentials);

    private IEnumerable<string> Retries => _log.Messages.Where(m => m.StartsWith("Retrying S3", StringComparison.Ordinal));

    [Fact]
    public async Task Backups_use_plain_puts_that_a_store_refusing_aws_chunked_accepts()
    {
        var emulator = await StartAsync(new S3EmulatorOptions { DataDirectory = "", RejectChunkedUploads = true });
        using var bs = new TestStore(await DriverAsync(Credentials(emulator.Url)));
        var source = new MemorySnapshotSource(4 * MiB);
        source.Fill(0, 4 * MiB, 3);
        source.Snapshot("s");
        var result = await bs.Store.CreateBackupAsync(new BackupRequest { VolumeName = "vol1", SnapshotName = "s" }, source);
        Assert.Equal(source.Image("s"), await bs.RestoreToBytesAsync("vol1", result.BackupName));

        var file = _dir.Combine("big.bin");
        await File.WriteAllBytesAsync(file, RandomNumberGenerator.GetBytes(11 * MiB));
        await bs.Driver.UploadAsync(file, "backupstore/big.bin", default);
        using var client = new AmazonS3Client(new BasicAWSCredentials(S3EmulatorOptions.DefaultAccessKey, S3EmulatorOptions.DefaultSecretKey),
            new AmazonS3Config { ServiceURL = emulator.Url.ToString(), ForcePathStyle = true, AuthenticationRegion = "us-east-1" });
        var head = await client.GetObjectMetadataAsync("backupbucket", "t/backupstore/big.bin");
        Assert.Matches("^\"[0-9a-f]{32}-3\"$", head.ETag); // 5 MiB + 5 MiB + 1 MiB parts
    }

    [Fact]
    public async Task Remove_deletes_in_batches_and_falls_back_to_single_deletes_where_refused()
    {
        foreach (var refuse in new[] { false, true })
        {
            var emulator = await StartAsync(new S3EmulatorOptions { DataDirectory = "", RejectMultiObjectDelete = refuse });
            var driver = await DriverAsync(Credentials(emulator.Url), S3TestTarget.FastRetries with { DeleteBatchSize = 2 });
            for (var i = 0; i < 5; i++) await driver.WriteAsync($"backupstore/dir/sub{i % 2}/f{i}.blk", new byte[1], default);
            await driver.WriteAsync("backupstore/dir2/keep.blk", new byte[1], default);
            await driver.RemoveAsync("backupstore/dir", default);
            Assert.Empty(await driver.ListAsync("backupstore/dir", default));
            Assert.Equal(["dir2"], await driver.ListAsync("backupstore", default));
            Assert.Equal(refuse, _log.Messages.Any(m => m.Contains("refuses multi-object delete")));
        }
    }

    [Fact]
    public async Task Server_errors_are_retried_with_backoff_and_each_retry_is_logged_with_its_key()
    {
        var emulator = await StartAsync(new S3EmulatorOptions { DataDirectory = "", Faults = new S3Faults { InternalErrorRate = 0.5, Seed = 3 } });
        var driver = await DriverAsync(Credentials(emulator.Url));
        for (var i = 0; i < 10; i++) await driver.WriteAsync($"backupstore/r/{i}.cfg", "{}"u8.ToArray(), default);
        Assert.Equal(10, (await driver.ListAsync("backupstore/r", default)).Count);
        Assert.Contains(Retries, m => m.Contains("PutObject of t/backupstore/r/") && m.Contains("500 InternalError"));
    }

    [Fact]
    public async Task Client_errors_are_not_retried()
    {
        var emulator = await StartAsync();
        var e = await Assert.ThrowsAsync<BackupStoreException>(() => DriverAsync(Credentials(emulator.Url, "wrong-secret")));
        Assert.Contains("403 SignatureDoesNotMatch", e.Message);
        Assert.Empty(Retries);
    }

    [Fact]
    public async Task Backoff_delays_come_from_the_time_provider()
    {
        var emulator = await StartAsync();
        var driver = await DriverAsync(Credentials(emulator.Url));
        emulator.Faults.Set(new S3Faults { SlowDownRate = 1 });
        var time = new ImmediateTimeProvider();
        var slow = await Assert.ThrowsAsync<BackupStoreException>(async () =>
        {
            var patient = new BackupStoreDrivers()
                .AddS3(new S3DriverOptions { RetryBaseDelay = TimeSpan.FromMinutes(1), RetryMaxDelay = TimeSpan.FromMinutes(10) }, time, _log).Create("s3://backupbucket@us-east-1/t/", Credentials(emulator.Url));
            await patient.WriteAsync("backupstore/x.cfg", new byte[1], default);
        });
        Assert.Contains("503 SlowDown", slow.Message);
        Assert.Equal(9, Retries.Count()); // Go's PUT retryer: 10 attempts
        Assert.True(time.GetUtcNow() - DateTimeOffset.UtcNow > TimeSpan.FromMinutes(5), "minutes of backoff passed on the fake clock, not the real one");
        emulator.Faults.Set(S3Faults.None);
        await driver.WriteAsync("backupstore/x.cfg", new byte[1], default);
    }

    [Fact]
    public async Task A_request_that_outlives_the_timeout_is_abandoned_and_retried()
    {
        var emulator = await StartAsync();
        var driver = await DriverAsync(Credentials(emulator.Url), S3TestTarget.FastRetries with { RequestTimeout = TimeSpan.FromMilliseconds(300), MaxRetryAttempts = 1 });
        emulator.Faults.Set(new S3Faults { LatencyMs = 5000 });
        // Had the timeout not cut the request, the server's answer after 5 s (no such object) would be no error at all.
        var e = await Assert.ThrowsAsync<BackupStoreException>(async () => await driver.FileExistsAsync("backupstore/x.cfg", default).AsTask().WaitAsync(TimeSpan.FromSeconds(60)));
        Assert.Contains("backupstore/x.cfg", e.Message);
        Assert.Single(Retries);
        emulator.Faults.Set(S3Faults.None);
    }

    [Fact]
    public async Task Reads_are_tried_five_times_with_the_default_options_then_fail_naming_the_key()
    {
        var emulator = await StartAsync();
        var time = new ImmediateTimeProvider();
        var driver = await DriverAsync(Credentials(emulator.Url), new S3DriverOptions(), time);
        emulator.Faults.Set(new S3Faults { InternalErrorRate = 1 });
        var e = await Assert.ThrowsAsync<BackupStoreException>(async () => await driver.ReadAsync("backupstore/r.cfg", default));
        Assert.Contains("backupstore/r.cfg", e.Message);
        Assert.Equal(4, Retries.Count()); // Longhorn's S3 reads: 5 attempts
        Assert.All(Retries, r => Assert.Contains("backupstore/r.cfg", r));
        emulator.Faults.Set(S3Faults.None);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Requests_go_through_the_proxy_of_the_secret_in_either_addressing_style(bool virtualHosted)
    {
        var emulator = await StartAsync(new S3EmulatorOptions { DataDirectory = "", Domain = "s3.invalid" });
        // s3.invalid never resolves: requests only arrive because they are sent to the proxy (the emulator itself),
        // which then sees the bucket in the path or, virtual-hosted, in the host name backupbucket.s3.invalid.
        var credentials = Credentials(new Uri($"http://s3.invalid:{emulator.Url.Port}"));
        credentials[S3Settings.HttpProxyKey] = emulator.Url.ToString();
        credentials[S3Settings.VirtualHostedStyleKey] = virtualHosted ? "true" : "false";
        var driver = await DriverAsync(credentials);
        await driver.WriteAsync("backupstore/p.cfg", "{}"u8.ToArray(), default);
        Assert.True(await driver.FileExistsAsync("backupstore/p.cfg", default));
        Assert.Equal(["p.cfg"], await driver.ListAsync("backupstore", default));
    }

    [Fact]
    public async Task An_https_endpoint_signed_by_an_extra_ca_is_trusted_only_with_aws_cert()
    {
        using var ca = TestCertificates.CreateAuthority();
        using var serverCert = TestCertificates.CreateServer(ca);
        var emulator = await StartAsync(new S3EmulatorOptions { DataDirectory = "", Certificate = serverCert });
        Assert.Equal("https", emulator.Url.Scheme);
        var untrusted = await Assert.ThrowsAsync<BackupStoreException>(() => DriverAsync(Credentials(emulator.Url)));
        Assert.Contains("is not available", untrusted.Message);
        Assert.Empty(Retries); // a TLS trust failure is not retried

        var credentials = Credentials(emulator.Url);
        credentials[S3Settings.CertKey] = ca.ExportCertificatePem();
        var driver = await DriverAsync(credentials);
        await driver.WriteAsync("backupstore/tls.cfg", "{}"u8.ToArray(), default);
        Assert.Equal(2, await driver.FileSizeAsync("backupstore/tls.cfg", default));
    }
}
