using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Longhorn.Functions.Tests.Support;

namespace Longhorn.Functions.Tests.Soak;

/// <summary>The simulator's S3 emulator as its own process (<c>Longhorn.Simulator s3</c>), its faults set through /_admin/faults.</summary>
public sealed class S3EmulatorProcess : IDisposable
{
    private readonly Process _process;
    private readonly ConcurrentQueue<string> _output = new();
    private readonly HttpClient _admin;

    private S3EmulatorProcess(Process process, Uri url, string token)
    {
        _process = process;
        Url = url;
        _admin = new HttpClient { BaseAddress = url, Timeout = TimeSpan.FromSeconds(30) };
        _admin.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
    }

    public Uri Url { get; }

    public static async Task<S3EmulatorProcess> StartAsync(string dataDir)
    {
        var configuration = new DirectoryInfo(AppContext.BaseDirectory).Parent!.Name;
        var dll = Path.Combine(HostProcess.RepositoryRoot(), "simulator", "Longhorn.Simulator", "bin", configuration, "net10.0", "Longhorn.Simulator.dll");
        Assert.True(File.Exists(dll), $"{dll} is not built");
        var port = HostProcess.FreePort();
        var token = Convert.ToHexString(System.Security.Cryptography.RandomNumberGenerator.GetBytes(16));
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var argument in new[] { dll, "s3", "--port", port.ToString(CultureInfo.InvariantCulture), "--data-dir", dataDir, "--admin-token", token })
            start.ArgumentList.Add(argument);
        start.Environment["Logging__LogLevel__Default"] = "Warning";
        var emulator = new S3EmulatorProcess(Process.Start(start)!, new Uri($"http://127.0.0.1:{port}/"), token);
        emulator._process.OutputDataReceived += (_, e) => { if (e.Data is not null) emulator._output.Enqueue(e.Data); };
        emulator._process.ErrorDataReceived += (_, e) => { if (e.Data is not null) emulator._output.Enqueue(e.Data); };
        emulator._process.BeginOutputReadLine();
        emulator._process.BeginErrorReadLine();
        await Api.EventuallyAsync(() =>
        {
            Assert.False(emulator._process.HasExited, "the emulator exited: " + string.Join('\n', emulator._output));
            return Task.FromResult(emulator._output.Any(l => l.StartsWith("S3 emulator listening", StringComparison.Ordinal)));
        }, "the S3 emulator to listen");
        return emulator;
    }

    /// <summary>Sets the faults (JSON as README's table) and returns the emulator's answer.</summary>
    public async Task<JsonNode> SetFaultsAsync(object faults)
    {
        using var response = await _admin.PostAsJsonAsync("/_admin/faults", faults);
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, text);
        return JsonNode.Parse(text)!;
    }

    /// <summary>Faults injected since the emulator started (dropped connections, 500s, 503s).</summary>
    public async Task<long> InjectedAsync() => (long)(await _admin.GetFromJsonAsync<JsonObject>("/_admin/faults"))!["injected"]!;

    public void Dispose()
    {
        if (!_process.HasExited) _process.Kill(entireProcessTree: true);
        _process.Dispose();
        _admin.Dispose();
    }
}
