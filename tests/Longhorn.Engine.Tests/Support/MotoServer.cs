using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace Longhorn.Engine.Tests.Support;

/// <summary>
/// A real moto_server (moto 5.2.1) on a free loopback port with the bucket created, for the length of a test class.
/// Missing from PATH it is skipped locally (see <see cref="ToolFactAttribute"/>) and fails under CI=true.
/// </summary>
public sealed class MotoServer : IAsyncLifetime
{
    public const string Tool = "moto_server";
    private readonly Queue<string> _output = new();
    private Process? _process;

    public S3TestTarget? Target { get; private set; }

    public async Task InitializeAsync()
    {
        var path = ExternalTool.Find(Tool);
        if (path is null)
        {
            if (ExternalTool.IsCi) throw new InvalidOperationException(ExternalTool.MissingMessage(Tool));
            return;
        }
        Uri? endpoint = null;
        for (var attempt = 1; endpoint is null; attempt++)
        {
            // The free port may be taken by another test's server before moto binds it: then take another.
            endpoint = await TryStartAsync(path, FreePort(), lastAttempt: attempt == 5);
        }
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(5) };
        // moto does not check signatures, so an unsigned PUT creates the bucket.
        using var created = await http.PutAsync(new Uri(endpoint, "/backupbucket"), null);
        created.EnsureSuccessStatusCode();
        Target = new S3TestTarget(endpoint, "backupbucket", "moto-access-key", "moto-secret-key");
    }

    private async Task<Uri?> TryStartAsync(string path, int port, bool lastAttempt)
    {
        var start = new ProcessStartInfo(path) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var arg in new[] { "-H", "127.0.0.1", "-p", port.ToString() }) start.ArgumentList.Add(arg);
        _process = Process.Start(start) ?? throw new InvalidOperationException($"could not start {path}");
        _process.OutputDataReceived += (_, e) => Keep(e.Data);
        _process.ErrorDataReceived += (_, e) => Keep(e.Data);
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();

        var endpoint = new Uri($"http://127.0.0.1:{port}/");
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(5) };
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (true)
        {
            if (_process.HasExited)
            {
                await _process.WaitForExitAsync();
                if (!lastAttempt && Output().Contains("in use", StringComparison.Ordinal))
                {
                    _process.Dispose();
                    return null;
                }
                throw new InvalidOperationException($"{Tool} exited with {_process.ExitCode}: {Output()}");
            }
            try
            {
                using var ready = await http.GetAsync(endpoint);
                // Only moto's own answer counts: another server may hold the port moto failed to bind.
                if (ready.IsSuccessStatusCode && ready.Headers.Server.ToString().Contains("Werkzeug", StringComparison.Ordinal)) return endpoint;
            }
            catch (HttpRequestException)
            {
                // not listening yet
            }
            if (DateTime.UtcNow > deadline) throw new TimeoutException($"{Tool} did not answer on {endpoint} within 60 s: {Output()}");
            await Task.Delay(200);
        }
    }

    public async Task DisposeAsync()
    {
        if (_process is null) return;
        if (!_process.HasExited) _process.Kill(entireProcessTree: true);
        await _process.WaitForExitAsync();
        _process.Dispose();
    }

    private void Keep(string? line)
    {
        if (line is null) return;
        lock (_output)
        {
            _output.Enqueue(line);
            if (_output.Count > 40) _output.Dequeue();
        }
    }

    private string Output()
    {
        lock (_output) return string.Join('\n', _output);
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
