using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace Longhorn.Functions.Tests.Support;

/// <summary>The built host program as a real child process (as `dotnet run` or a Functions host starts it), with its output kept.</summary>
public sealed class HostProcess : IDisposable
{
    private readonly ConcurrentQueue<string> _output = new();

    private HostProcess(Process process)
    {
        Process = process;
        process.OutputDataReceived += (_, e) => { if (e.Data is not null) _output.Enqueue(e.Data); };
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) _output.Enqueue(e.Data); };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
    }

    public Process Process { get; }

    /// <summary>Everything the process wrote to stdout and stderr so far.</summary>
    public string Output => string.Join('\n', _output);

    /// <summary>Starts the built dll with dotnet, as a Functions host starts its worker.</summary>
    public static HostProcess Start(IEnumerable<string> arguments, IReadOnlyDictionary<string, string>? environment = null, string? workingDirectory = null) =>
        Start([HostDll(), .. arguments], environment, workingDirectory);

    /// <summary>Starts the program with the README's command (<c>dotnet run --project functions/Longhorn.Functions</c>), without building again.</summary>
    public static HostProcess StartWithDotnetRun(IEnumerable<string> arguments, IReadOnlyDictionary<string, string>? environment = null) =>
        Start(["run", "--no-build", "-c", new DirectoryInfo(AppContext.BaseDirectory).Parent!.Name,
            "--project", Path.Combine(RepositoryRoot(), "functions", "Longhorn.Functions"), "--", .. arguments], environment, null);

    private static HostProcess Start(List<string> dotnetArguments, IReadOnlyDictionary<string, string>? environment, string? workingDirectory)
    {
        // The Kubernetes API would take the function port + 1, which another test may hold: let it pick a free port.
        if (!dotnetArguments.Contains("--k8s-port")) dotnetArguments = [.. dotnetArguments, "--k8s-port", "0"];
        var start = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = workingDirectory ?? Path.GetTempPath(),
        };
        foreach (var argument in dotnetArguments) start.ArgumentList.Add(argument);
        foreach (var (key, value) in environment ?? new Dictionary<string, string>()) start.Environment[key] = value;
        return new HostProcess(Process.Start(start)!);
    }

    /// <summary>Polls GET /api/health until it answers 200; fails if the process exits first.</summary>
    public async Task WaitUntilHealthyAsync(HttpClient client)
    {
        await Api.EventuallyAsync(async () =>
        {
            Assert.False(Process.HasExited, "the host exited at start: " + Output);
            try
            {
                using var response = await client.GetAsync("/api/health");
                return response.StatusCode == HttpStatusCode.OK;
            }
            catch (HttpRequestException)
            {
                return false;
            }
        }, "the host to answer");
    }

    /// <summary>Stops the process where it stands (SIGSTOP), so what it has on disk can be looked at without it moving.</summary>
    public void Freeze()
    {
        Signal(SigStop);
        // The signal is delivered to each thread on its way out of the kernel: until every thread shows stopped (T), a
        // file being created may still appear after the caller looked.
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(10);
        while (!Directory.EnumerateDirectories($"/proc/{Process.Id}/task").All(Stopped))
        {
            Assert.True(DateTime.UtcNow < deadline, $"process {Process.Id} did not stop");
            Thread.Sleep(1);
        }
    }

    private static bool Stopped(string task)
    {
        try
        {
            var stat = File.ReadAllText(Path.Combine(task, "stat"));
            return stat[(stat.LastIndexOf(')') + 2)..][0] is 'T' or 't';
        }
        catch (IOException)
        {
            return true; // the thread ended
        }
    }

    /// <summary>Lets a frozen process run on (SIGCONT).</summary>
    public void Thaw() => Signal(SigCont);

    public async Task KillAsync()
    {
        if (!Process.HasExited) Process.Kill(entireProcessTree: true);
        await Process.WaitForExitAsync();
    }

    public void Dispose()
    {
        // Twice is harmless: a test that disposes a killed host and then fails before its replacement is set must
        // report its own failure, not "No process is associated with this object" from the second Dispose.
        if (_disposed) return;
        _disposed = true;
        if (!Process.HasExited) Process.Kill(entireProcessTree: true);
        Process.Dispose();
    }

    private bool _disposed;

    private const int SigStop = 19;
    private const int SigCont = 18;

    private void Signal(int signal) => Assert.True(kill(Process.Id, signal) == 0, $"signal {signal} to {Process.Id} failed");

    [System.Runtime.InteropServices.DllImport("libc", SetLastError = true)]
    private static extern int kill(int pid, int signal);

    public static string RepositoryRoot()
    {
        var directory = new DirectoryInfo(AppContext.BaseDirectory);
        while (directory is not null && !File.Exists(Path.Combine(directory.FullName, "Longhorn.Functions.sln"))) directory = directory.Parent;
        Assert.NotNull(directory);
        return directory.FullName;
    }

    /// <summary>The host's build output directory as the solution build left it beside this test assembly's configuration.</summary>
    public static string OutputDirectory()
    {
        var configuration = new DirectoryInfo(AppContext.BaseDirectory).Parent!.Name;
        return Path.Combine(RepositoryRoot(), "functions", "Longhorn.Functions", "bin", configuration, "net10.0");
    }

    public static string HostDll()
    {
        var dll = Path.Combine(OutputDirectory(), "Longhorn.Functions.dll");
        Assert.True(File.Exists(dll), $"{dll} is not built");
        return dll;
    }

    public static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
