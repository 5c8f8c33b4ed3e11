using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Net.Sockets;
using System.Text.Json;
using Longhorn.Benchmarks.Images;

namespace Longhorn.Benchmarks.Scenarios;

/// <summary>
/// The user's path: the function host in its own process (the built Longhorn.Functions.dll, embedded host, its default
/// NFS-directory target), the image written through <c>PUT /api/volumes/{name}/data</c>, then
/// <c>POST /api/volumes/{name}/backups</c> timed until the backup resource reads Completed, settle included, after one
/// untimed backup of a tiny volume (see <see cref="WarmUpAsync"/>).
/// </summary>
public sealed class HostPath(string workDirectory)
{
    private const string VolumeName = "bench-volume";

    /// <summary>The host's memory: resident right after it answers, and its peak over the session.</summary>
    public sealed record HostSession(Measurement Full, Measurement Incremental, long IdleRssBytes, long PeakRssBytes);

    /// <summary>A fresh host (data directory and store of its own) that writes the image, backs it up, changes 1 % and backs up again.</summary>
    public Task<HostSession> RunAsync(PreparedImage image) => InHostAsync(image.Spec.Name, settleSeconds: null, async (client, host, replicas) =>
    {
        var idle = Rss(host.Id, "VmRSS:");
        await WarmUpAsync(client, host);
        await CreateImageVolumeAsync(client, image);
        Measurement.SettlePageCache([replicas]);
        var full = await BackUpAsync(client, host);

        await WriteChangesAsync(client, image);
        Measurement.SettlePageCache([replicas]);
        // Polled every 2 ms: the goal leaves the incremental about 10 ms beyond its settle, which a 10 ms poll
        // (5 ms late on average) would half spend; the incremental's own work is a few blocks, so the polls take
        // no CPU it needs.
        var incremental = await BackUpAsync(client, host, VolumeName, TimeSpan.FromMilliseconds(2));
        return new HostSession(full, incremental, idle, Rss(host.Id, "VmHWM:"));
    });

    /// <summary>One settle-free full backup through the host and the engine alone's of the same image, run back to back.</summary>
    public sealed record Pair(Measurement Host, Measurement Engine)
    {
        /// <summary>Engine seconds over host seconds: above 1 the host was faster.</summary>
        public double Ratio => Engine.Seconds / Host.Seconds;
    }

    /// <summary>
    /// <paramref name="pairs"/> settle-free full backups of the image in one host session, each back to back with a run of
    /// <paramref name="engine"/> (the engine alone, which deletes its backup after it the same way), in alternating order. Between pairs the host's
    /// backup is deleted through <c>DELETE /api/backups/{name}</c> and waited out (its blocks garbage-collected), so every
    /// host backup writes every block into the store, as the engine's does into its own. One image write serves
    /// every pair: the ratio of one pair moves by 0.5–2× with the kernel's cost of writing the store on this VM (round 7
    /// of results/ANALYSIS.md), so the scenario reports the median of many pairs.
    /// </summary>
    public Task<IReadOnlyList<Pair>> RunPairsAsync(PreparedImage image, int pairs, Func<Task<Measurement>> engine) =>
        InHostAsync<IReadOnlyList<Pair>>(image.Spec.Name + "-pairs", settleSeconds: 0, async (client, host, replicas) =>
        {
            await WarmUpAsync(client, host);
            await CreateImageVolumeAsync(client, image);
            var results = new List<Pair>();
            for (var i = 0; i < pairs; i++)
            {
                var hostFirst = i % 2 == 0;
                var first = hostFirst ? await HostFullAsync() : await engine();
                var second = hostFirst ? await engine() : await HostFullAsync();
                results.Add(hostFirst ? new Pair(first, second) : new Pair(second, first));
            }
            return results;

            async Task<Measurement> HostFullAsync()
            {
                Measurement.SettlePageCache([replicas]);
                var (measurement, location) = await BackUpAsync(client, host, VolumeName, new { backupMode = "full" });
                // Deleted and waited out untimed, so the next host backup finds no block in the store.
                (await Send(client, HttpMethod.Delete, location, null)).Dispose();
                while (true)
                {
                    using var response = await client.GetAsync(location);
                    if (response.StatusCode == HttpStatusCode.NotFound) break;
                    if (host.HasExited) throw new InvalidOperationException("the host exited during a deletion");
                    await Task.Delay(20);
                }
                return measurement;
            }
        });

    /// <summary>
    /// Starts a host as the README starts it (in a directory of its own under runs/host/<paramref name="runName"/>, data in
    /// the default .longhorn beneath it), runs <paramref name="session"/> with a client, the process and the replicas'
    /// directory once it answers, and stops it.
    /// </summary>
    private async Task<T> InHostAsync<T>(string runName, double? settleSeconds, Func<HttpClient, Process, string, Task<T>> session)
    {
        var runDirectory = Path.Combine(workDirectory, "runs", "host", runName);
        if (Directory.Exists(runDirectory)) Directory.Delete(runDirectory, recursive: true);
        Directory.CreateDirectory(runDirectory);
        var port = FreePort();
        var environment = new Dictionary<string, string> { ["Logging__LogLevel__Default"] = "Warning" };
        if (settleSeconds is { } s) environment["Longhorn__LockSettleTimeSeconds"] = s.ToString(CultureInfo.InvariantCulture);
        using var host = Start(["--port", port.ToString(CultureInfo.InvariantCulture), "--k8s-port", "0"], environment, runDirectory);
        try
        {
            using var client = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}"), Timeout = TimeSpan.FromMinutes(10) };
            await WaitHealthyAsync(client, host);
            return await session(client, host, Path.Combine(runDirectory, ".longhorn", "replicas"));
        }
        finally
        {
            if (!host.HasExited) host.Kill(entireProcessTree: true);
            await host.WaitForExitAsync();
        }
    }

    /// <summary>The benchmark's volume, of the image's size, with the image's data blocks written into it.</summary>
    private static async Task CreateImageVolumeAsync(HttpClient client, PreparedImage image)
    {
        await Send(client, HttpMethod.Post, "/api/volumes", new { name = VolumeName, size = image.Spec.Size });
        await WriteAsync(client, image);
    }

    /// <summary>The host's time and peak memory for backups of several volumes requested at once.</summary>
    /// <param name="CompletedAt">When each backup was first seen Completed, seconds after the first POST, in order.</param>
    public sealed record ConcurrentSession(double Seconds, long IdleRssBytes, long PeakRssBytes, long BytesBackedUp, IReadOnlyList<double> CompletedAt)
    {
        /// <summary>
        /// The earliest the last backup could end with only <paramref name="limit"/> running at once: the k-th backup
        /// past the limit starts when the k-th one ends and keeps its own settle, however little it then has to do.
        /// </summary>
        public double EarliestEnd(int limit, TimeSpan settle) =>
            CompletedAt.Count <= limit ? 0 : CompletedAt.Take(CompletedAt.Count - limit).Max() + settle.TotalSeconds;
    }

    /// <summary>
    /// A fresh host with <paramref name="volumes"/> volumes of <paramref name="bytesEach"/> bytes of data each (the
    /// bytes of <see cref="VolumeData"/>), backed up all at once: POSTed together, timed until every one is Completed.
    /// <paramref name="transferLimit"/> sets <c>concurrent-backup-restore-per-node-limit</c> first (Longhorn's default is 5).
    /// The host is warmed with one tiny backup first, as the engine's child is (<see cref="WarmUpAsync"/>), and the
    /// backups are polled every 50 ms: a 10 ms poll of eight backups that take seconds costs the host a measurable share
    /// of its two cores (each GET is a request, a resource read and a JSON answer) for a resolution the figure does not need.
    /// </summary>
    public async Task<ConcurrentSession> RunConcurrentAsync(int volumes, int bytesEach, int? transferLimit = null)
    {
        var dataDir = Path.Combine(workDirectory, "runs", "host", $"concurrent-{volumes}");
        if (Directory.Exists(dataDir)) Directory.Delete(dataDir, recursive: true);
        Directory.CreateDirectory(dataDir);
        var port = FreePort();
        using var host = Start(["--port", port.ToString(CultureInfo.InvariantCulture), "--data-dir", dataDir, "--k8s-port", "0"],
            new Dictionary<string, string> { ["Logging__LogLevel__Default"] = "Warning" });
        try
        {
            using var client = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}"), Timeout = TimeSpan.FromMinutes(10) };
            await WaitHealthyAsync(client, host);
            var idle = Rss(host.Id, "VmRSS:");
            await WarmUpAsync(client, host);
            if (transferLimit is { } limit)
                (await Send(client, HttpMethod.Put, "/api/settings/concurrent-backup-restore-per-node-limit",
                    new { value = limit.ToString(CultureInfo.InvariantCulture) })).Dispose();
            for (var v = 0; v < volumes; v++)
            {
                await Send(client, HttpMethod.Post, "/api/volumes", new { name = $"vol{v}", size = (long)bytesEach });
                for (var offset = 0; offset < bytesEach; offset += ImageSpec.BlockSize)
                    await PutAsync(client, $"vol{v}", offset, VolumeData(v, offset));
            }
            Measurement.FlushDirtyPages();
            var watch = Stopwatch.StartNew();
            // All POSTed at once, as the engine alone starts all its backups at once: one after another, each POST waited for
            // cores the backups already started were using (70-300 ms each, the 8th sent 1.5-2 s after the first).
            var locations = await Task.WhenAll(Enumerable.Range(0, volumes).Select(async v =>
            {
                using var created = await Send(client, HttpMethod.Post, $"/api/volumes/vol{v}/backups", new { });
                return created.Headers.Location!.ToString();
            }));
            var completed = await WaitAllCompletedAsync(client, host, locations.Select(l => l[(l.LastIndexOf('/') + 1)..]).ToHashSet(StringComparer.Ordinal), watch);
            return new ConcurrentSession(watch.Elapsed.TotalSeconds, idle, Rss(host.Id, "VmHWM:"), (long)volumes * bytesEach, completed);
        }
        finally
        {
            if (!host.HasExited) host.Kill(entireProcessTree: true);
            await host.WaitForExitAsync();
        }
    }

    /// <summary>
    /// One backup of a 4 MiB volume holding one block before the timed ones, as the engine's child process backs up and
    /// restores a tiny volume before its timed run: both sides then measure code a long-lived host has already run (the
    /// JIT's first compilation of the backup path is not the backup's cost). A host's first backup after it starts also
    /// pays that compilation; round 3 of results/ANALYSIS.md reports it.
    /// </summary>
    private static async Task WarmUpAsync(HttpClient client, Process host)
    {
        const string warmUp = "warm-up";
        await Send(client, HttpMethod.Post, "/api/volumes", new { name = warmUp, size = 2L * ImageSpec.BlockSize });
        await PutAsync(client, warmUp, 0, VolumeData(-1, 0));
        await BackUpAsync(client, host, warmUp);
    }

    /// <summary>One 2 MiB block of volume <paramref name="volume"/>: random (seeded) bytes, so no two blocks deduplicate.</summary>
    public static byte[] VolumeData(int volume, long offset)
    {
        var block = new byte[ImageSpec.BlockSize];
        new Random(HashCode.Combine(volume, offset)).NextBytes(block);
        return block;
    }

    /// <summary>The image's data blocks, 2 MiB a request; holes stay holes.</summary>
    private static async Task WriteAsync(HttpClient client, PreparedImage image)
    {
        using var file = File.OpenHandle(image.ImagePath);
        var block = new byte[ImageSpec.BlockSize];
        foreach (var offset in image.DataOffsets)
        {
            RandomAccess.Read(file, block, offset);
            await PutAsync(client, VolumeName, offset, block);
        }
    }

    /// <summary>The same 1 % change <see cref="PreparedImage"/> makes for its second snapshot: 1 MiB inside each chosen block.</summary>
    private static async Task WriteChangesAsync(HttpClient client, PreparedImage image)
    {
        var random = new Random(101);
        var chosen = image.DataOffsets.ToArray();
        random.Shuffle(chosen);
        var change = new byte[1 << 20];
        foreach (var offset in chosen.Take(image.ChangedBlocks))
        {
            random.NextBytes(change);
            await PutAsync(client, VolumeName, offset + random.Next(256) * 4096L, change);
        }
    }

    private static async Task PutAsync(HttpClient client, string volume, long offset, byte[] data)
    {
        using var content = new ByteArrayContent(data);
        content.Headers.ContentType = new("application/octet-stream");
        using var response = await client.PutAsync($"/api/volumes/{volume}/data?offset={offset}", content);
        if (!response.IsSuccessStatusCode)
            throw new InvalidOperationException($"PUT data at {offset}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
    }

    /// <summary>POST a backup and poll its resource until Completed: what a user waits for.</summary>
    private static async Task<Measurement> BackUpAsync(HttpClient client, Process host, string volume = VolumeName, TimeSpan? poll = null) =>
        (await BackUpAsync(client, host, volume, new { }, poll)).Measurement;

    private static async Task<(Measurement Measurement, string Location)> BackUpAsync(HttpClient client, Process host, string volume, object body,
        TimeSpan? poll = null)
    {
        var watch = Stopwatch.StartNew();
        using var created = await Send(client, HttpMethod.Post, $"/api/volumes/{volume}/backups", body);
        var location = created.Headers.Location?.ToString() ?? throw new InvalidOperationException("no Location for the backup");
        await WaitCompletedAsync(client, host, location, poll);
        return (new Measurement(watch.Elapsed.TotalSeconds, Rss(host.Id, "VmHWM:")), location);
    }

    /// <summary>
    /// Polls the backup list every 50 ms (one request for all of them, as many as one backup's poll) until every named
    /// backup is Completed; returns when each was first seen so, sorted.
    /// </summary>
    private static async Task<IReadOnlyList<double>> WaitAllCompletedAsync(HttpClient client, Process host, IReadOnlySet<string> names, Stopwatch watch)
    {
        var completed = new Dictionary<string, double>(StringComparer.Ordinal);
        while (completed.Count < names.Count)
        {
            using var document = JsonDocument.Parse(await client.GetStringAsync("/api/backups"));
            foreach (var item in document.RootElement.GetProperty("data").EnumerateArray())
            {
                var name = item.GetProperty("name").GetString()!;
                if (!names.Contains(name) || completed.ContainsKey(name)) continue;
                var state = item.GetProperty("state").GetString();
                if (state == "Completed") completed[name] = watch.Elapsed.TotalSeconds;
                else if (state == "Error") throw new InvalidOperationException($"the backup failed: {item}");
            }
            if (host.HasExited) throw new InvalidOperationException("the host exited during the backups");
            if (completed.Count < names.Count) await Task.Delay(TimeSpan.FromMilliseconds(50));
        }
        return completed.Values.Order().ToList();
    }

    private static async Task WaitCompletedAsync(HttpClient client, Process host, string location, TimeSpan? poll = null)
    {
        while (true)
        {
            using var document = JsonDocument.Parse(await client.GetStringAsync(location));
            var state = document.RootElement.GetProperty("state").GetString();
            if (state == "Completed") break;
            if (state == "Error")
                throw new InvalidOperationException($"the backup failed: {document.RootElement}");
            if (host.HasExited) throw new InvalidOperationException("the host exited during the backup");
            await Task.Delay(poll ?? TimeSpan.FromMilliseconds(10));
        }
    }

    private static async Task<HttpResponseMessage> Send(HttpClient client, HttpMethod method, string path, object? body)
    {
        var response = await client.SendAsync(new HttpRequestMessage(method, path) { Content = body is null ? null : JsonContent.Create(body) });
        if (!response.IsSuccessStatusCode)
            throw new InvalidOperationException($"{method} {path}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
        return response;
    }

    private static Process Start(IEnumerable<string> arguments, IReadOnlyDictionary<string, string> environment, string? workingDirectory = null)
    {
        var start = new ProcessStartInfo("dotnet") { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
        if (workingDirectory is not null) start.WorkingDirectory = workingDirectory;
        start.ArgumentList.Add(HostDll());
        foreach (var argument in arguments) start.ArgumentList.Add(argument);
        foreach (var (key, value) in environment) start.Environment[key] = value;
        var process = Process.Start(start)!;
        process.OutputDataReceived += (_, _) => { };
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) Console.Error.WriteLine("  host: " + e.Data); };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return process;
    }

    private static async Task WaitHealthyAsync(HttpClient client, Process host)
    {
        for (var attempt = 0; attempt < 600; attempt++)
        {
            if (host.HasExited) throw new InvalidOperationException("the host exited at start");
            try
            {
                using var response = await client.GetAsync("/api/health");
                if (response.StatusCode == HttpStatusCode.OK) return;
            }
            catch (HttpRequestException)
            {
            }
            await Task.Delay(100);
        }
        throw new TimeoutException("the host did not answer within a minute");
    }

    /// <summary>The host's build output beside this program's configuration (the project reference builds it).</summary>
    private static string HostDll()
    {
        var configuration = new DirectoryInfo(AppContext.BaseDirectory).Parent!.Name;
        var directory = new DirectoryInfo(AppContext.BaseDirectory);
        while (directory is not null && !File.Exists(Path.Combine(directory.FullName, "Longhorn.Functions.sln"))) directory = directory.Parent;
        var dll = Path.Combine(directory?.FullName ?? throw new DirectoryNotFoundException("the repository root"),
            "functions", "Longhorn.Functions", "bin", configuration, "net10.0", "Longhorn.Functions.dll");
        return File.Exists(dll) ? dll : throw new FileNotFoundException($"{dll} is not built", dll);
    }

    private static long Rss(int pid, string field)
    {
        foreach (var line in File.ReadLines($"/proc/{pid}/status"))
            if (line.StartsWith(field, StringComparison.Ordinal))
                return long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture) * 1024;
        return -1;
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
