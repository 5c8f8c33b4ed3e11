using System.Net;
using Longhorn.Functions.ControlPlane.Targets;
using Longhorn.Functions.Resources;
using Longhorn.Functions.Tests.Support;
using Longhorn.Functions.Timers;
using Longhorn.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace Longhorn.Functions.Tests;

/// <summary>Issue 13's edges: one bad resource never stops a timer for the others, failing targets keep their interval, bodies are bounded however framed.</summary>
public sealed class HardeningTests
{
    [Fact]
    public async Task A_target_whose_interval_no_duration_holds_does_not_stop_the_poll_of_the_targets_after_it()
    {
        using var host = new FunctionHost(ManualClock.AtHalfMinute());
        var api = host.Api;
        await api.SendAsync(HttpMethod.Put, "/api/backuptargets/zzz", new { backupTargetURL = "nfs://127.0.0.1:/zzz", pollInterval = 300 });
        var first = (string)(await api.WaitForSyncAsync("zzz"))["lastSyncedAt"]!;
        // Written before the interval was checked (an older host, or straight into the store): sorted before zzz.
        var store = host.Services.GetRequiredService<IResourceStore>();
        await store.CreateAsync(new BackupTarget
        {
            Metadata = new ObjectMeta { Name = "aaa" },
            Spec = new BackupTargetSpec { BackupTargetURL = "nfs://127.0.0.1:/aaa", PollInterval = long.MaxValue },
        }, CancellationToken.None);

        host.Clock.Advance(TimeSpan.FromSeconds(301));
        var timers = ActivatorUtilities.CreateInstance<TimerFunctions>(host.Services);
        await timers.PollAsync(null!, CancellationToken.None);
        await api.WaitAsync("/api/backuptargets/zzz", t => (string?)t["lastSyncedAt"] != first, "zzz to be polled again after aaa");
    }

    [Fact]
    public void A_failing_target_is_retried_at_its_interval_not_at_every_tick()
    {
        var polls = new TargetPolls();
        var start = new DateTimeOffset(2026, 11, 30, 12, 0, 0, TimeSpan.Zero);
        var failing = new BackupTarget
        {
            Metadata = new ObjectMeta { Name = "bad" },
            Spec = new BackupTargetSpec { BackupTargetURL = "s3://bucket@us-east-1/", PollInterval = 300 },
        };
        Assert.True(polls.IsDue(failing, start));
        // The sync failed: no lastSyncedAt. The next ticks (every 5 s) leave it alone until its interval has passed.
        Assert.False(polls.IsDue(failing, start.AddSeconds(5)));
        Assert.False(polls.IsDue(failing, start.AddSeconds(299)));
        Assert.True(polls.IsDue(failing, start.AddSeconds(300)));
        // A target synced recently is not due; polling 0 disables it; a target being deleted is never polled.
        var synced = failing with { Metadata = new ObjectMeta { Name = "ok" }, Status = new BackupTargetStatus { LastSyncedAt = start } };
        Assert.False(polls.IsDue(synced, start.AddSeconds(100)));
        Assert.True(polls.IsDue(synced, start.AddSeconds(300)));
        Assert.False(polls.IsDue(failing with { Metadata = new ObjectMeta { Name = "off" }, Spec = failing.Spec with { PollInterval = 0 } }, start));
    }

    [Fact]
    public async Task A_chunked_body_over_the_limit_is_refused_while_it_is_read_and_nothing_is_stored()
    {
        using var host = new FunctionHost();
        var api = host.Api;
        var value = new string('k', 3 * 1024 * 1024);
        // No Content-Length: the body arrives chunked, so only counting while reading can refuse it.
        using var content = new StreamContent(new MemoryStream(System.Text.Encoding.UTF8.GetBytes($$$"""{"data":{"AWS_SECRET_ACCESS_KEY":"{{{value}}}"}}""")));
        content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("application/json");
        using var response = await api.Client.PutAsync("/api/secrets/huge", content);
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.Null(await host.Services.GetRequiredService<IResourceStore>().GetAsync<Secret>("huge", CancellationToken.None));
    }
}

/// <summary>The data directory and the resource database (which holds the credential secrets) are the owner's alone.</summary>
public sealed class DataDirectoryModeTests
{
    [Fact]
    public async Task The_data_directory_is_0700_and_the_database_files_0600_even_when_an_older_host_left_them_open()
    {
        var dataDir = Directory.CreateTempSubdirectory("lh-modes-").FullName;
        try
        {
            File.SetUnixFileMode(dataDir, (UnixFileMode)Convert.ToInt32("755", 8));
            using (var host = new FunctionHost(dataDir: dataDir))
            {
                await host.Api.SendAsync(HttpMethod.Put, "/api/secrets/creds", new { data = new { AWS_ACCESS_KEY_ID = "key" } });
                Assert.Equal("700", Mode(dataDir));
                foreach (var file in Directory.EnumerateFiles(dataDir, "resources.db*"))
                    Assert.True(Mode(file) == "600", $"{Path.GetFileName(file)} is {Mode(file)}");
                Assert.True(File.Exists(Path.Combine(dataDir, "resources.db")));
            }
        }
        finally
        {
            FunctionHost.TryDelete(dataDir);
        }
    }

    private static string Mode(string path) => Convert.ToString((int)File.GetUnixFileMode(path), 8);
}

/// <summary>Another web page cannot drive the host through the user's browser: JSON only, no foreign origin, no rebound host name, no CORS.</summary>
public sealed class CrossSiteRequestTests : IDisposable
{
    private readonly FunctionHost _host = new();

    public void Dispose() => _host.Dispose();

    private async Task<HttpResponseMessage> SendAsync(HttpMethod method, string path, string? body, string? contentType, params (string Name, string Value)[] headers)
    {
        var request = new HttpRequestMessage(method, path);
        if (body is not null)
        {
            request.Content = new StringContent(body);
            request.Content.Headers.ContentType = contentType is null ? null : System.Net.Http.Headers.MediaTypeHeaderValue.Parse(contentType);
        }
        foreach (var (name, value) in headers) request.Headers.TryAddWithoutValidation(name, value);
        return await _host.Api.Client.SendAsync(request);
    }

    [Theory]
    [InlineData("text/plain")]
    [InlineData("application/x-www-form-urlencoded")]
    [InlineData("multipart/form-data; boundary=x")]
    [InlineData(null)]
    public async Task A_json_route_refuses_a_body_that_is_not_declared_json_and_makes_nothing(string? contentType)
    {
        const string Job = """{"name":"csrf","task":"backup","cron":"* * * * *","retain":1}""";
        using var response = await SendAsync(HttpMethod.Post, "/api/recurringjobs", Job, contentType);
        Assert.Equal(HttpStatusCode.UnsupportedMediaType, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.Empty(await _host.Api.ListAsync("/api/recurringjobs"));
        using var json = await SendAsync(HttpMethod.Post, "/api/recurringjobs", Job, "application/json; charset=utf-8");
        Assert.Equal(HttpStatusCode.Created, json.StatusCode);
    }

    [Fact]
    public async Task A_foreign_origin_a_rebound_host_name_and_a_preflight_are_refused()
    {
        const string Job = """{"name":"csrf","task":"backup","cron":"* * * * *","retain":1}""";
        using var foreign = await SendAsync(HttpMethod.Post, "/api/recurringjobs", Job, "application/json", ("Origin", "https://evil.example"));
        Assert.Equal(HttpStatusCode.Forbidden, foreign.StatusCode);
        using var rebound = await SendAsync(HttpMethod.Get, "/api/volumes", null, null, ("Host", "attacker.example"));
        Assert.Equal(HttpStatusCode.Forbidden, rebound.StatusCode);
        using var preflight = await SendAsync(HttpMethod.Options, "/api/recurringjobs", null, null,
            ("Origin", "https://evil.example"), ("Access-Control-Request-Method", "POST"));
        Assert.Equal(HttpStatusCode.Forbidden, preflight.StatusCode);
        Assert.False(preflight.Headers.Contains("Access-Control-Allow-Origin"));
        Assert.Empty(await _host.Api.ListAsync("/api/recurringjobs"));

        // The page's own origin is fine.
        using var own = await SendAsync(HttpMethod.Post, "/api/recurringjobs", Job, "application/json", ("Origin", "http://localhost"));
        Assert.Equal(HttpStatusCode.Created, own.StatusCode);
    }
}

/// <summary>Credential secrets are sealed at rest: the database files never hold them in the clear, and the key rotates.</summary>
public sealed class SecretsAtRestTests
{
    private const string Value = "AKIA-very-secret-value-4711";

    private static bool InDatabaseFiles(string dataDir, string text) =>
        Directory.EnumerateFiles(dataDir, "resources.db*").Any(f => File.ReadAllBytes(f).AsSpan().IndexOf(System.Text.Encoding.UTF8.GetBytes(text)) >= 0
                                                                     || File.ReadAllBytes(f).AsSpan().IndexOf(System.Text.Encoding.UTF8.GetBytes(Convert.ToBase64String(System.Text.Encoding.UTF8.GetBytes(text)))) >= 0);

    [Fact]
    public async Task A_secret_is_sealed_in_the_database_readable_through_the_api_and_survives_a_key_rotation()
    {
        var dataDir = Directory.CreateTempSubdirectory("lh-sealed-").FullName;
        try
        {
            using (var host = new FunctionHost(dataDir: dataDir))
            {
                await host.Api.SendAsync(HttpMethod.Put, "/api/secrets/creds", new { data = new Dictionary<string, string> { ["AWS_SECRET_ACCESS_KEY"] = Value } });
                var store = host.Services.GetRequiredService<IResourceStore>();
                Assert.Equal(Value, (await store.GetAsync<Secret>("creds", CancellationToken.None))!.Data["AWS_SECRET_ACCESS_KEY"]);
                Assert.False(InDatabaseFiles(dataDir, Value), "the secret value is in the database files in the clear");
                Assert.Equal("600", Convert.ToString((int)File.GetUnixFileMode(Path.Combine(dataDir, "secret.key")), 8));
            }
            var firstKey = File.ReadAllBytes(Path.Combine(dataDir, "secret.key"));

            // A copied database with another key file reveals nothing and is refused, not misread.
            // Rotation as documented: the key becomes secret.key.previous, and the next start seals everything anew.
            File.Move(Path.Combine(dataDir, "secret.key"), Path.Combine(dataDir, "secret.key.previous"));
            using (var host = new FunctionHost(dataDir: dataDir))
            {
                var store = host.Services.GetRequiredService<IResourceStore>();
                Assert.Equal(Value, (await store.GetAsync<Secret>("creds", CancellationToken.None))!.Data["AWS_SECRET_ACCESS_KEY"]);
            }
            Assert.False(File.Exists(Path.Combine(dataDir, "secret.key.previous")));
            Assert.NotEqual(firstKey, File.ReadAllBytes(Path.Combine(dataDir, "secret.key")));
            Assert.False(InDatabaseFiles(dataDir, Value));
            // Without the key that sealed it, the secret cannot be read back.
            File.WriteAllBytes(Path.Combine(dataDir, "secret.key"), firstKey);
            var opened = Assert.ThrowsAny<Exception>(() => new Longhorn.Functions.Cluster.ObjectStore(Path.Combine(dataDir, "resources.db"), TimeProvider.System)
                .GetAsync(Longhorn.Functions.Cluster.ApiKinds.Secret, "longhorn-system", "creds", CancellationToken.None).GetAwaiter().GetResult());
            Assert.Contains("cannot be opened", opened.Message);
        }
        finally
        {
            FunctionHost.TryDelete(dataDir);
        }
    }
}

/// <summary>A request the disk refuses leaves nothing behind.</summary>
public sealed class LeftoverTests
{
    [Fact]
    public async Task A_volume_the_disk_cannot_hold_is_refused_and_leaves_no_replica_file()
    {
        using var host = new FunctionHost();
        using var response = await host.Api.Client.PostAsync("/api/volumes",
            new StringContent("""{"name":"huge","size":70368744177664}""", System.Text.Encoding.UTF8, "application/json"));
        var replicas = Path.Combine(host.DataDir, "replicas", "huge");
        if (response.StatusCode == HttpStatusCode.Created)
        {
            // This file system holds a 64 TiB sparse file: nothing to clean; the volume is real.
            Assert.True(Directory.Exists(replicas));
            return;
        }
        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        Assert.False(Directory.Exists(replicas), "the refused volume's replica directory stayed");
        await host.Api.SendAsync(HttpMethod.Get, "/api/volumes/huge", expect: HttpStatusCode.NotFound);
    }
}
