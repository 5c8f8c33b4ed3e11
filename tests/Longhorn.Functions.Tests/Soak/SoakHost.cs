using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json.Nodes;
using Longhorn.Functions.Tests.Support;

namespace Longhorn.Functions.Tests.Soak;

/// <summary>
/// One of the soak's hosts: the built program as a child process on its own port and data directory, killed (SIGKILL) and
/// started again on the same ones. Requests that meet a dead host wait until it is back; the output of every run is kept.
/// </summary>
public sealed class SoakHost(string name, string dataDir, IReadOnlyDictionary<string, string> environment) : IDisposable
{
    /// <summary>The line LeftoverStoreFiles logs for each file a previous run left.</summary>
    public const string LeftoverLine = "left by this host's previous run";

    private static readonly TimeSpan DownAtMost = TimeSpan.FromMinutes(2);
    private readonly int _port = HostProcess.FreePort();
    private readonly List<string> _outputs = [];
    private HostProcess? _process;
    private TaskCompletionSource _up = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public string Name { get; } = name;

    public string DataDir { get; } = dataDir;

    public HttpClient Http { get; } = new() { Timeout = TimeSpan.FromSeconds(100) };

    /// <summary>The output of every run so far, the current one included.</summary>
    public string Output
    {
        get
        {
            lock (_outputs) return string.Join('\n', _outputs.Append(_process?.Output ?? ""));
        }
    }

    /// <summary>Files the host's restarts removed as left by the run before.</summary>
    public int LeftoversRemoved => Output.Split('\n').Count(l => l.Contains(LeftoverLine, StringComparison.Ordinal));

    public async Task StartAsync()
    {
        Http.BaseAddress ??= new Uri($"http://127.0.0.1:{_port}");
        _process = HostProcess.Start(["--port", _port.ToString(CultureInfo.InvariantCulture), "--data-dir", DataDir], environment);
        await _process.WaitUntilHealthyAsync(Http);
        _up.TrySetResult();
    }

    public async Task KillAsync()
    {
        _up = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        if (_process is null) return;
        await _process.KillAsync();
        lock (_outputs) _outputs.Add(_process.Output);
        _process.Dispose();
        _process = null;
    }

    public Task WaitUpAsync() => _up.Task.WaitAsync(DownAtMost);

    /// <summary>Sends once; null when the connection failed (the host was killed under it).</summary>
    public async Task<(HttpStatusCode Status, JsonNode? Body)?> TrySendAsync(HttpMethod method, string path, object? body = null)
    {
        await WaitUpAsync();
        using var request = new HttpRequestMessage(method, path);
        if (body is byte[] bytes) request.Content = new ByteArrayContent(bytes);
        else if (body is not null) request.Content = JsonContent.Create(body);
        try
        {
            using var response = await Http.SendAsync(request);
            var text = await response.Content.ReadAsStringAsync();
            return (response.StatusCode, text.Length > 0 && response.Content.Headers.ContentType?.MediaType?.Contains("json") == true
                ? JsonNode.Parse(text) : JsonValue.Create(text));
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
        {
            return null;
        }
    }

    /// <summary>Sends until an answer comes, waiting out kills: for requests that may be repeated.</summary>
    public async Task<(HttpStatusCode Status, JsonNode? Body)> SendAsync(HttpMethod method, string path, object? body = null)
    {
        var deadline = DateTime.UtcNow + DownAtMost;
        while (true)
        {
            if (await TrySendAsync(method, path, body) is { } answer) return answer;
            Assert.True(DateTime.UtcNow < deadline, $"{Name}: {method} {path} found no host for {DownAtMost}");
        }
    }

    public async Task<byte[]> ReadAsync(string volume, long length)
    {
        var deadline = DateTime.UtcNow + DownAtMost;
        while (true)
        {
            await WaitUpAsync();
            try
            {
                return await Http.GetByteArrayAsync($"/api/volumes/{volume}/data?offset=0&length={length}");
            }
            catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
            {
                Assert.True(DateTime.UtcNow < deadline, $"{Name}: reading {volume} found no host for {DownAtMost}");
            }
        }
    }

    /// <summary>Sends until an answer comes and checks its status (any 2xx when none is given).</summary>
    public async Task<JsonNode> ExpectAsync(HttpMethod method, string path, object? body, params HttpStatusCode[] statuses)
    {
        var (status, answer) = await SendAsync(method, path, body);
        Assert.True(statuses.Length == 0 ? (int)status is >= 200 and < 300 : statuses.Contains(status),
            $"{Name}: {method} {path}: {status} {answer?.ToJsonString()}");
        return answer ?? new JsonObject();
    }

    public void Dispose()
    {
        _process?.Dispose();
        Http.Dispose();
    }

    public static string Describe(JsonNode? node) => node?.ToJsonString() ?? "(no body)";

    public override string ToString() => new StringBuilder(Name).Append(" on port ").Append(_port).ToString();
}
