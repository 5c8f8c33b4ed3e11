using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Longhorn.Simulator.Replicas;

namespace Longhorn.Benchmarks;

/// <summary>One timed run: wall seconds and the peak resident memory of the process that did the work.</summary>
public sealed record Measurement(double Seconds, long PeakRssBytes)
{
    /// <summary>The median run's time and the largest peak memory of all runs.</summary>
    public static Measurement Summarize(IReadOnlyList<Measurement> runs) =>
        new(runs.Select(r => r.Seconds).Order().ElementAt(runs.Count / 2), runs.Max(r => r.PeakRssBytes));

    /// <summary>
    /// Flushes dirty pages (the sync command) so every timed run starts from the same state, as the peer baseline's
    /// runs did: this VM's disk absorbs writeback at a few hundred MB/s, and pages left dirty by the previous run
    /// otherwise throttle the next one's writes.
    /// </summary>
    public static void FlushDirtyPages()
    {
        using var sync = Process.Start(new ProcessStartInfo("sync") { UseShellExecute = false })!;
        sync.WaitForExit();
    }

    /// <summary>Whether this process may drop the kernel's page cache (root: <c>/proc/sys/vm/drop_caches</c> is writable); found by trying, on first use.</summary>
    public static bool DropsPageCache => Drops.Value;

    private static readonly Lazy<bool> Drops = new(TryDropPageCache);

    /// <summary>
    /// The same page cache for every subject: dirty pages flushed, clean ones dropped (when <see cref="DropsPageCache"/>),
    /// then the subject's input read back in, so each timed run starts with its input cached and the rest of memory free.
    /// Without it, which subject ran first decided how much the kernel had to reclaim for the next one's 1 GiB of store
    /// writes: the same engine backup measured 1.1 s and 2.2 s in one run, and the host's system time on the sparse
    /// image fell from 1.1–1.25 s to 0.3 s. Not root: the run is measured with dirty pages flushed only.
    /// </summary>
    public static void SettlePageCache(IEnumerable<string> inputs)
    {
        FlushDirtyPages();
        if (!DropsPageCache || !TryDropPageCache()) return;
        var buffer = new byte[1 << 20];
        foreach (var input in inputs.SelectMany(i => Directory.Exists(i) ? Directory.EnumerateFiles(i, "*", SearchOption.AllDirectories) : [i]))
        {
            using var file = File.OpenHandle(input);
            // Only the data extents: a sparse replica layer is gigabytes of holes.
            for (var offset = SparseFileNative.SeekData(file, 0); offset >= 0; offset = SparseFileNative.SeekData(file, offset))
            {
                var end = SparseFileNative.SeekHole(file, offset);
                for (; offset < end; offset += buffer.Length) RandomAccess.Read(file, buffer, offset);
            }
        }
    }

    private static bool TryDropPageCache()
    {
        try
        {
            File.WriteAllText("/proc/sys/vm/drop_caches", "3\n");
            return true;
        }
        catch (Exception e) when (e is UnauthorizedAccessException or IOException)
        {
            return false;
        }
    }

    /// <summary>This process's peak resident set (VmHWM), in bytes.</summary>
    public static long CurrentPeakRss()
    {
        foreach (var line in File.ReadLines("/proc/self/status"))
            if (line.StartsWith("VmHWM:", StringComparison.Ordinal))
                return long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture) * 1024;
        return -1;
    }

    /// <summary>Runs this program again with <c>--child</c> arguments and reads the measurement it prints.</summary>
    public static Task<Measurement> RunChildAsync(params string[] arguments) => RunChildAsync(new Dictionary<string, string>(), arguments);

    /// <summary>Runs this program again with <c>--child</c> arguments and extra environment variables.</summary>
    public static async Task<Measurement> RunChildAsync(IReadOnlyDictionary<string, string> environment, params string[] arguments)
    {
        var self = Environment.ProcessPath!;
        var start = new ProcessStartInfo(self) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var (key, value) in environment) start.Environment[key] = value;
        if (Path.GetFileNameWithoutExtension(self) == "dotnet") start.ArgumentList.Add(typeof(Measurement).Assembly.Location);
        start.ArgumentList.Add("--child");
        foreach (var argument in arguments) start.ArgumentList.Add(argument);
        using var process = Process.Start(start)!;
        var output = await process.StandardOutput.ReadToEndAsync();
        var error = await process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        if (process.ExitCode != 0) throw new InvalidOperationException($"child {string.Join(' ', arguments)} failed: {error}{output}");
        var last = output.Split('\n', StringSplitOptions.RemoveEmptyEntries)[^1];
        return JsonSerializer.Deserialize<Measurement>(last)!;
    }

    /// <summary>Runs an external command under /usr/bin/time, which reports wall seconds and peak RSS.</summary>
    public static async Task<Measurement> RunCommandAsync(string workingDirectory, IReadOnlyDictionary<string, string> environment,
        string command, params string[] arguments)
    {
        var report = Path.GetTempFileName();
        var start = new ProcessStartInfo("/usr/bin/time")
        {
            WorkingDirectory = workingDirectory, RedirectStandardOutput = true, RedirectStandardError = true,
        };
        foreach (var (key, value) in environment) start.Environment[key] = value;
        foreach (var a in new[] { "-f", "%e %M", "-o", report, command }.Concat(arguments)) start.ArgumentList.Add(a);
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = await process.StandardError.ReadToEndAsync();
        await stdout;
        await process.WaitForExitAsync();
        if (process.ExitCode != 0) throw new InvalidOperationException($"{command} {string.Join(' ', arguments)} failed: {stderr}");
        var fields = (await File.ReadAllTextAsync(report)).Trim().Split('\n')[^1].Split(' ');
        File.Delete(report);
        return new Measurement(double.Parse(fields[0], CultureInfo.InvariantCulture),
            long.Parse(fields[1], CultureInfo.InvariantCulture) * 1024);
    }

    public string ToJson() => JsonSerializer.Serialize(this);
}
