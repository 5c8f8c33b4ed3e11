using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using Amazon.Runtime;
using Amazon.S3;
using Amazon.S3.Model;
using Longhorn.Simulator.S3;

namespace Longhorn.Simulator.Tests.S3;

/// <summary>The emulator's faults: set at start or through POST /_admin/faults, decided by a seeded dice.</summary>
public sealed class EmulatorFaultTests : IAsyncLifetime
{
    private readonly TempDirectory _dir = new();
    private readonly List<S3Emulator> _emulators = [];

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        foreach (var emulator in _emulators) await emulator.DisposeAsync();
        _dir.Dispose();
    }

    private async Task<S3Emulator> StartAsync(S3Faults? faults = null)
    {
        var emulator = new S3Emulator(new S3EmulatorOptions { DataDirectory = _dir.Combine($"e{_emulators.Count}"), Faults = faults ?? S3Faults.None });
        _emulators.Add(emulator);
        await emulator.StartAsync();
        return emulator;
    }

    private static AmazonS3Client Client(S3Emulator emulator) =>
        new(new BasicAWSCredentials(S3EmulatorOptions.DefaultAccessKey, S3EmulatorOptions.DefaultSecretKey),
            new AmazonS3Config { ServiceURL = emulator.Url.ToString(), ForcePathStyle = true, AuthenticationRegion = "us-east-1", MaxErrorRetry = 0 });

    /// <summary>The outcome of each of n HEAD requests: 200, or the error's status.</summary>
    private static async Task<List<int>> OutcomesAsync(S3Emulator emulator, int n)
    {
        using var client = Client(emulator);
        var outcomes = new List<int>();
        for (var i = 0; i < n; i++)
        {
            try
            {
                await client.GetBucketLocationAsync("backupbucket");
                outcomes.Add(200);
            }
            catch (AmazonS3Exception e)
            {
                outcomes.Add((int)e.StatusCode);
            }
        }
        return outcomes;
    }

    [Fact]
    public async Task The_same_seed_gives_the_same_errors_in_the_same_order()
    {
        var faults = new S3Faults { InternalErrorRate = 0.3, SlowDownRate = 0.3, Seed = 11 };
        var first = await OutcomesAsync(await StartAsync(faults), 30);
        var second = await OutcomesAsync(await StartAsync(faults), 30);
        Assert.Equal(first, second);
        Assert.Contains(500, first);
        Assert.Contains(503, first);
        Assert.Contains(200, first);
        Assert.NotEqual(first, await OutcomesAsync(await StartAsync(faults with { Seed = 12 }), 30));
    }

    [Fact]
    public async Task Faults_are_read_and_set_through_the_admin_endpoint()
    {
        var emulator = await StartAsync();
        using var http = new HttpClient { BaseAddress = emulator.Url };
        // Without the token printed at start (or with another one) the switch does not move.
        using (var anonymous = await http.PostAsJsonAsync("/_admin/faults", new { dropRate = 1.0 }))
            Assert.Equal(HttpStatusCode.Forbidden, anonymous.StatusCode);
        http.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", "guessed");
        using (var guessed = await http.PostAsJsonAsync("/_admin/faults", new { dropRate = 1.0 }))
            Assert.Equal(HttpStatusCode.Forbidden, guessed.StatusCode);
        Assert.Equal(S3Faults.None, emulator.Faults.Current);
        http.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", emulator.Options.AdminToken);
        using (var set = await http.PostAsJsonAsync("/_admin/faults", new { slowDownRate = 1.0, latencyMs = 20, seed = 5 }))
            set.EnsureSuccessStatusCode();
        Assert.Equal(new S3Faults { SlowDownRate = 1, LatencyMs = 20, Seed = 5 }, await http.GetFromJsonAsync<S3Faults>("/_admin/faults", System.Text.Json.JsonSerializerOptions.Web));
        using var client = Client(emulator);
        var e = await Assert.ThrowsAnyAsync<AmazonS3Exception>(() => client.ListBucketsAsync());
        Assert.Equal(("SlowDown", HttpStatusCode.ServiceUnavailable), (e.ErrorCode, e.StatusCode));
        // The answer counts the faults injected since start.
        Assert.Equal(emulator.Faults.Injected, (long)(await http.GetFromJsonAsync<System.Text.Json.Nodes.JsonObject>("/_admin/faults"))!["injected"]!);
        Assert.True(emulator.Faults.Injected > 0);

        using (var bad = await http.PostAsJsonAsync("/_admin/faults", new { dropRate = 2.0 }))
            Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
        using (var clear = await http.PostAsJsonAsync("/_admin/faults", new { }))
            clear.EnsureSuccessStatusCode();
        Assert.NotEmpty((await client.ListBucketsAsync()).Buckets);
    }

    [Fact]
    public async Task Dropped_connections_get_no_answer_at_all()
    {
        var emulator = await StartAsync(new S3Faults { DropRate = 1 });
        using var client = Client(emulator);
        var e = await Assert.ThrowsAnyAsync<Exception>(() => client.ListBucketsAsync());
        Assert.IsNotType<AmazonS3Exception>(e);
    }

    [Fact]
    public async Task Latency_and_the_bandwidth_limit_slow_requests_down()
    {
        var emulator = await StartAsync();
        using var client = Client(emulator);
        await client.PutObjectAsync(new PutObjectRequest { BucketName = "backupbucket", Key = "blob", InputStream = new MemoryStream(new byte[256 * 1024]) });
        emulator.Faults.Set(new S3Faults { LatencyMs = 300, BandwidthBytesPerSecond = 512 * 1024 });
        var clock = Stopwatch.StartNew();
        using (var response = await client.GetObjectAsync("backupbucket", "blob"))
            await response.ResponseStream.CopyToAsync(Stream.Null);
        Assert.True(clock.Elapsed >= TimeSpan.FromMilliseconds(700), $"300 ms latency + 256 KiB at 512 KiB/s took only {clock.Elapsed}");
    }

    [Fact]
    public void The_command_line_sets_the_same_knobs()
    {
        var options = S3Command.Parse(["--data-dir", _dir.Path, "--port", "0", "--latency-ms", "50", "--slowdown-rate", "0.1",
            "--error-rate", "0.05", "--drop-rate", "0.01", "--bandwidth", "1048576", "--seed", "9", "--bucket", "a1b", "--bucket", "c2d"]);
        Assert.Equal(new S3Faults { LatencyMs = 50, SlowDownRate = 0.1, InternalErrorRate = 0.05, DropRate = 0.01, BandwidthBytesPerSecond = 1048576, Seed = 9 }, options.Faults);
        Assert.Equal(["a1b", "c2d"], options.Buckets);
        Assert.Throws<ArgumentException>(() => S3Command.Parse(["--data-dir", _dir.Path, "--error-rate", "1.5"]));
        Assert.Throws<ArgumentException>(() => S3Command.Parse(["--data-dir", _dir.Path, "--nonsense", "1"]));
    }
}
