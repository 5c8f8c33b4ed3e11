using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Longhorn.Functions.Tests.Support;

/// <summary>The host's HTTP API as the tests use it: JSON in and out, waits that poll until a condition holds.</summary>
public sealed class Api(HttpClient client)
{
    public static readonly TimeSpan Patience = TimeSpan.FromSeconds(60);

    public HttpClient Client { get; } = client;

    public async Task<JsonNode> SendAsync(HttpMethod method, string path, object? body = null, HttpStatusCode? expect = null)
    {
        using var request = new HttpRequestMessage(method, path);
        if (body is string text) request.Content = new StringContent(text, Encoding.UTF8, "application/json");
        else if (body is not null) request.Content = JsonContent.Create(body);
        using var response = await Client.SendAsync(request);
        var content = await response.Content.ReadAsStringAsync();
        if (expect is { } status) Assert.True(status == response.StatusCode, $"{method} {path}: expected {status}, got {response.StatusCode}: {content}");
        else Assert.True(response.IsSuccessStatusCode, $"{method} {path}: {response.StatusCode}: {content}");
        return content.Length == 0 ? new JsonObject() : JsonNode.Parse(content)!;
    }

    public Task<JsonNode> GetAsync(string path) => SendAsync(HttpMethod.Get, path);

    public Task<JsonNode> PostAsync(string path, object? body = null) => SendAsync(HttpMethod.Post, path, body ?? new { });

    public Task<JsonNode> CreateVolumeAsync(object body) => PostAsync("/api/volumes", body);

    public async Task WriteAsync(string volume, long offset, byte[] data)
    {
        using var response = await Client.PutAsync($"/api/volumes/{volume}/data?offset={offset}", new ByteArrayContent(data));
        Assert.True(response.IsSuccessStatusCode, await response.Content.ReadAsStringAsync());
    }

    public async Task<byte[]> ReadAsync(string volume, long offset, long length)
    {
        using var response = await Client.GetAsync($"/api/volumes/{volume}/data?offset={offset}&length={length}");
        Assert.True(response.IsSuccessStatusCode, await response.Content.ReadAsStringAsync());
        return await response.Content.ReadAsByteArrayAsync();
    }

    /// <summary>Requests a backup (202 + Location) and polls it until Completed.</summary>
    public async Task<JsonNode> BackupAsync(string volume, object? body = null)
    {
        using var response = await Client.PostAsJsonAsync($"/api/volumes/{volume}/backups", body ?? new { });
        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        var location = response.Headers.Location!.ToString();
        return await WaitAsync(location, b => (string?)b["state"] is "Completed" or "Error", "backup to finish", b => Assert.Equal("Completed", (string?)b["state"]));
    }

    public async Task<JsonNode> WaitForRestoreAsync(string volume) =>
        await WaitAsync($"/api/volumes/{volume}", v => (string?)v["restoreStatus"]?["state"] is "complete" or "error", "restore to finish",
            v => Assert.Equal("complete", (string?)v["restoreStatus"]!["state"]));

    /// <summary>Polls a resource until the condition holds, then runs the final check on it.</summary>
    public async Task<JsonNode> WaitAsync(string path, Func<JsonNode, bool> done, string what, Action<JsonNode>? check = null)
    {
        var deadline = DateTime.UtcNow + Patience;
        while (true)
        {
            var node = await GetAsync(path);
            if (done(node))
            {
                check?.Invoke(node);
                return node;
            }
            if (DateTime.UtcNow > deadline) Assert.Fail($"timed out waiting for {what}: {node.ToJsonString()}");
            await Task.Delay(50);
        }
    }

    /// <summary>Polls until the condition holds over fresh reads (for conditions across several resources).</summary>
    public static async Task EventuallyAsync(Func<Task<bool>> condition, string what)
    {
        var deadline = DateTime.UtcNow + Patience;
        while (!await condition())
        {
            if (DateTime.UtcNow > deadline) Assert.Fail($"timed out waiting for {what}");
            await Task.Delay(50);
        }
    }

    public async Task<List<JsonNode>> ListAsync(string path) => (await GetAsync(path))["data"]!.AsArray().Select(n => n!).ToList();

    /// <summary>Waits until the target is available and synced since the last request (a sync's end).</summary>
    public Task<JsonNode> WaitForSyncAsync(string target = "default") =>
        WaitAsync($"/api/backuptargets/{target}", t => (bool?)t["available"] == true && t["lastSyncedAt"] is { } synced
            && (t["syncRequestedAt"] is not { } asked || DateTimeOffset.Parse((string)synced!) >= DateTimeOffset.Parse((string)asked!)), "target sync");

    public static byte[] Pattern(int length, int seed)
    {
        var data = new byte[length];
        new Random(seed).NextBytes(data);
        return data;
    }

    public static string Json(object value) => JsonSerializer.Serialize(value);
}
