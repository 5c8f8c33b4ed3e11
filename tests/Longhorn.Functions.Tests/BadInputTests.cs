using System.Net;
using System.Text.Json.Nodes;
using Longhorn.Functions.Tests.Support;

namespace Longhorn.Functions.Tests;

/// <summary>Bad requests get problem+json naming the field, and create nothing.</summary>
public sealed class BadInputTests : IClassFixture<BadInputTests.Host>
{
    private readonly Host _host;

    public BadInputTests(Host host) => _host = host;

    public static TheoryData<string, string, string, string, int, string> Cases => new()
    {
        { "invalid volume name", "POST", "/api/volumes", """{"name":"Bad_Name!","size":4194304}""", 400, "name" },
        { "negative size", "POST", "/api/volumes", """{"name":"neg","size":-4194304}""", 400, "size" },
        { "unaligned size", "POST", "/api/volumes", """{"name":"odd","size":4194305}""", 400, "size" },
        { "unknown compression", "POST", "/api/volumes", """{"name":"comp","size":4194304,"backupCompressionMethod":"zstd"}""", 400, "backupCompressionMethod" },
        { "unknown block size", "POST", "/api/volumes", """{"name":"blk","size":4194304,"backupBlockSize":"4096"}""", 400, "backupBlockSize" },
        { "unknown backup URL", "POST", "/api/volumes", """{"name":"rest","fromBackup":"nfs://127.0.0.1:/backupstore?backup=backup-0123456789abcdef&volume=nope"}""", 404, "fromBackup" },
        { "backup URL of no target", "POST", "/api/volumes", """{"name":"rest2","fromBackup":"nfs://10.0.0.9:/other?backup=backup-0123456789abcdef&volume=v1"}""", 404, "fromBackup" },
        { "malformed backup URL", "POST", "/api/volumes", """{"name":"rest3","fromBackup":"not a url"}""", 400, "fromBackup" },
        { "standby without backup", "POST", "/api/volumes", """{"name":"dr","size":4194304,"standby":true}""", 400, "standby" },
        { "body not JSON", "POST", "/api/volumes", "this is not json", 400, "body" },
        { "unknown member", "POST", "/api/volumes", """{"name":"unk","size":4194304,"color":"red"}""", 400, "color" },
        { "bad cron", "POST", "/api/recurringjobs", """{"name":"j1","task":"backup","cron":"61 * * * *","retain":1}""", 400, "cron" },
        { "uppercase job name", "POST", "/api/recurringjobs", """{"name":"Nightly","task":"backup","cron":"*/5 * * * *","retain":1}""", 400, "name" },
        { "retain over 100", "POST", "/api/recurringjobs", """{"name":"j2","task":"backup","cron":"*/5 * * * *","retain":101}""", 400, "retain" },
        { "unknown task", "POST", "/api/recurringjobs", """{"name":"j3","task":"dance","cron":"*/5 * * * *","retain":1}""", 400, "task" },
        { "bad group", "POST", "/api/recurringjobs", """{"name":"j4","task":"snapshot","cron":"@hourly","retain":1,"groups":["-x"]}""", 400, "groups" },
        { "bad retention policy", "POST", "/api/recurringjobs", """{"name":"j5","task":"snapshot","cron":"@hourly","retain":1,"retentionPolicy":"forever"}""", 400, "retentionPolicy" },
        { "bad target scheme", "PUT", "/api/backuptargets/second", """{"backupTargetURL":"ftp://host/path"}""", 400, "backupTargetURL" },
        { "target URL in use", "PUT", "/api/backuptargets/second", """{"backupTargetURL":"nfs://127.0.0.1:/backupstore/"}""", 409, "backupTargetURL" },
        { "s3 without secret", "PUT", "/api/backuptargets/second", """{"backupTargetURL":"s3://bucket@us-east-1/"}""", 400, "credentialSecret" },
        { "secret with whitespace", "PUT", "/api/secrets/creds", """{"data":{"AWS_ACCESS_KEY_ID":" key "}}""", 400, "data" },
        { "backup of unknown volume", "POST", "/api/volumes/ghost/backups", "{}", 404, "volume" },
        { "bad backup mode", "POST", "/api/volumes/good/backups", """{"backupMode":"sometimes"}""", 400, "backupMode" },
        { "backup of unknown snapshot", "POST", "/api/volumes/good/backups", """{"snapshotName":"snap-missing"}""", 404, "snapshotName" },
        { "duplicate volume", "POST", "/api/volumes", """{"name":"good","size":4194304}""", 409, "name" },
        { "bad snapshot name", "POST", "/api/volumes/good/snapshots", """{"name":"UPPER"}""", 400, "name" },
        { "write past the end", "PUT", "/api/volumes/good/data?offset=4194290", "0123456789012345678901234567890123456789", 400, "offset" },
        { "negative offset", "GET", "/api/volumes/good/data?offset=-1&length=10", "", 400, "offset" },
        { "read past the end", "GET", "/api/volumes/good/data?offset=4194300&length=10", "", 400, "offset" },
        { "unknown backup", "GET", "/api/backups/backup-0000000000000000", "", 404, "name" },
        { "cron step zero", "POST", "/api/recurringjobs", """{"name":"j6","task":"backup","cron":"*/0 * * * *","retain":1}""", 400, "cron" },
        { "cron range backwards", "POST", "/api/recurringjobs", """{"name":"j7","task":"backup","cron":"5-1 * * * *","retain":1}""", 400, "cron" },
        { "cron @every beyond a Go duration", "POST", "/api/recurringjobs", """{"name":"j8","task":"backup","cron":"@every 99999999999999999999h","retain":1}""", 400, "cron" },
        { "poll interval beyond a Go duration", "PUT", "/api/backuptargets/second", """{"backupTargetURL":"","pollInterval":9223372036854775807}""", 400, "pollInterval" },
        { "vfs target outside the allowed roots", "PUT", "/api/backuptargets/second", """{"backupTargetURL":"vfs:///etc/longhorn-backupstore"}""", 400, "backupTargetURL" },
        { "nfs target with ..", "PUT", "/api/backuptargets/second", """{"backupTargetURL":"nfs://127.0.0.1:/exports/../../etc"}""", 400, "backupTargetURL" },
        { "target URL with NUL", "PUT", "/api/backuptargets/second", """{"backupTargetURL":"nfs://127.0.0.1:/exports\u0000x"}""", 400, "backupTargetURL" },
        { "size as a string", "POST", "/api/volumes", """{"name":"str","size":"4194304"}""", 400, "size" },
        { "member twice", "POST", "/api/volumes", """{"name":"twice","size":4194304,"size":8388608}""", 400, "size" },
        { "unknown setting value", "PUT", "/api/settings/backup-compression-method", """{"value":"zstd"}""", 400, "value" },
        { "check of an unknown target", "POST", "/api/backuptargets/nope/check", "{}", 404, "name" },
        { "check of an invalid volume name", "POST", "/api/backuptargets/default/check", """{"volume":"../good"}""", 400, "volume" },
        { "check of a volume not in the store", "POST", "/api/backuptargets/default/check", """{"volume":"ghost"}""", 404, "volume" },
        { "check flag as a string", "POST", "/api/backuptargets/default/check", """{"prune":"yes"}""", 400, "prune" },
        { "check with an unknown member", "POST", "/api/backuptargets/default/check", """{"verify":true}""", 400, "verify" },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public async Task Bad_input_is_a_problem_naming_the_field_and_creates_nothing(string what, string method, string path, string body, int status, string field)
    {
        var api = _host.Api;
        var before = await SnapshotAsync(api);
        using var request = new HttpRequestMessage(new HttpMethod(method), path);
        if (body.Length > 0 || method != "GET")
            request.Content = new StringContent(body, System.Text.Encoding.UTF8, path.Contains("/data") ? "application/octet-stream" : "application/json");
        using var response = await api.Client.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(status == (int)response.StatusCode, $"{what}: expected {status}, got {(int)response.StatusCode}: {text}");
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var problem = JsonNode.Parse(text)!;
        Assert.Equal(field, (string?)problem["field"]);
        Assert.False(string.IsNullOrEmpty((string?)problem["detail"]), what);
        Assert.Equal(before, await SnapshotAsync(api));
    }

    private static async Task<string> SnapshotAsync(Api api)
    {
        var parts = new List<string>();
        foreach (var path in new[] { "/api/volumes", "/api/recurringjobs", "/api/backups", "/api/backuptargets", "/api/volumes/good/snapshots" })
            parts.Add(string.Join(",", (await api.ListAsync(path)).Select(n => (string?)n["name"])));
        return string.Join("|", parts) + "|" + Convert.ToHexString(await api.ReadAsync("good", 4194000, 304));
    }

    /// <summary>One host for all cases, with a 4 MiB volume <c>good</c> and an available default target.</summary>
    public sealed class Host : IAsyncLifetime
    {
        private readonly FunctionHost _host = new();

        public Api Api => _host.Api;

        public async Task InitializeAsync()
        {
            await Api.WaitForSyncAsync();
            await Api.CreateVolumeAsync(new { name = "good", size = 4L * 1024 * 1024 });
        }

        public Task DisposeAsync()
        {
            _host.Dispose();
            return Task.CompletedTask;
        }
    }
}
