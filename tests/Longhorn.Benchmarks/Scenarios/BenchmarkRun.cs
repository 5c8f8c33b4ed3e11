using Longhorn.Benchmarks.Images;
using Longhorn.Benchmarks.Peers;
using Longhorn.Benchmarks.Reporting;

namespace Longhorn.Benchmarks.Scenarios;

/// <summary>Settings of one benchmark run.</summary>
public sealed record BenchmarkSettings(string WorkDirectory, string ResultsDirectory, int Runs, int Scale, bool Lz4ContentChecksum)
{
    public const int Cores = 2;
}

/// <summary>Runs the scenarios of issue 5 and reports each figure with its ratio to the references measured in the same run.</summary>
public sealed class BenchmarkRun
{
    private const double MB = 1_000_000;
    private readonly BenchmarkSettings _settings;
    private readonly ResultTable _results = new();
    private readonly IPeer[] _peers = [new Restic(), new Borg()];
    private readonly Dictionary<(string Image, string Who), Measurement> _backups = new();
    private readonly Dictionary<string, PreparedImage> _images = new();

    public BenchmarkRun(BenchmarkSettings settings) => _settings = settings;

    public static readonly string[] Scenarios = ["backup", "incremental", "restore", "delete", "list", "memory", "s3", "host", "host-concurrent"];

    public async Task RunAsync(IReadOnlyCollection<string> scenarios)
    {
        var reporting = new FreePageReporting();
        foreach (var peer in _peers.Where(p => !p.IsInstalled))
            _results.Note($"{peer.Name} is not installed (Debian package {(peer is Borg ? "borgbackup" : "restic")}): its references are skipped");
        foreach (var scenario in scenarios)
        {
            Console.WriteLine($"== {scenario}");
            switch (scenario)
            {
                case "backup": await BackupAsync(); break;
                case "incremental": await IncrementalAsync(); break;
                case "restore": await RestoreAsync(); break;
                case "delete": await DeleteAsync(); break;
                case "list": await ListAsync(); break;
                case "memory": await MemoryAsync(); break;
                case "s3": await S3Async(); break;
                case "host": await HostAsync(); break;
                case "host-concurrent": await HostConcurrentAsync(); break;
                default: throw new ArgumentException($"unknown scenario {scenario}; expected one of {string.Join(", ", Scenarios)} or all");
            }
        }
        if (reporting.Note is { } note) _results.Note(note);
        var header = $"Measured {DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC on {Environment.ProcessorCount} cores, {_settings.Runs} run(s) per figure (median time, " +
                     $"largest peak RSS), images scaled 1/{_settings.Scale}, lz4 content checksum {(_settings.Lz4ContentChecksum ? "on" : "off")}. " +
                     "MB/s counts the image's apparent (logical) size; the lock's fixed 2 s settle wait is excluded (set to 0); " +
                     "dirty pages are flushed (sync) before every timed run, ours and the peers' alike.";
        await _results.WriteAsync(_settings.ResultsDirectory, header);
    }

    private async Task<PreparedImage> ImageAsync(ImageSpec spec)
    {
        if (!_images.TryGetValue(spec.Name, out var image))
            _images[spec.Name] = image = await PreparedImage.PrepareAsync(spec, _settings.WorkDirectory, m => Console.WriteLine("  " + m));
        return image;
    }

    private string Scratch(params string[] parts)
    {
        var path = Path.Combine([_settings.WorkDirectory, "runs", .. parts]);
        if (Directory.Exists(path)) Directory.Delete(path, recursive: true);
        Directory.CreateDirectory(path);
        return path;
    }

    private string[] ChecksumFlag => _settings.Lz4ContentChecksum ? ["--content-checksum"] : [];

    private async Task<Measurement> OurBackupAsync(PreparedImage image, string store, string snapshot) =>
        await Measurement.RunChildAsync(["backup", "--replica", image.ReplicaPath, "--store", store, "--snapshot", snapshot, .. ChecksumFlag]);

    /// <summary>Deletes the one backup in the store through the engine (a child, untimed), its blocks garbage-collected.</summary>
    private static async Task DeleteOnlyBackupAsync(string store)
    {
        var config = Directory.EnumerateFiles(store, "backup_*.cfg", SearchOption.AllDirectories).Single();
        var name = Path.GetFileNameWithoutExtension(config)["backup_".Length..];
        await Measurement.RunChildAsync("delete", "--store", store, "--backup", name);
    }

    private async Task<Measurement> RepeatAsync(Func<int, Task<Measurement>> run) => Measurement.Summarize((await InterleaveAsync(run))[0]);

    /// <summary>
    /// Runs each subject <c>Runs</c> times, in turn and in a rotated order (A B C, B C A, C A B, …), and returns every
    /// subject's runs: on this VM the position after another subject's large write or free decides a run's time
    /// (the same restore took 0.8 s and 3.0 s, the write limit 0.42 s and 2.68 s), so no subject may always go first.
    /// </summary>
    private async Task<List<Measurement>[]> InterleaveAsync(params Func<int, Task<Measurement>>[] subjects)
    {
        var runs = subjects.Select(_ => new List<Measurement>()).ToArray();
        await InTurnAsync(subjects.Select((subject, s) => (Func<int, Task>)(async i =>
        {
            Measurement.FlushDirtyPages();
            runs[s].Add(await subject(i));
        })).ToArray());
        return runs;
    }

    /// <summary>Runs each subject <c>Runs</c> times, in turn, the order rotated each run (A B C, B C A, C A B, …).</summary>
    private async Task InTurnAsync(params Func<int, Task>[] subjects)
    {
        for (var i = 0; i < _settings.Runs; i++)
            for (var k = 0; k < subjects.Length; k++)
                await subjects[(i + k) % subjects.Length](i);
    }

    private async Task BackupAsync()
    {
        foreach (var spec in ImageSpec.Standard(_settings.Scale))
        {
            var image = await ImageAsync(spec);
            Floor.Measure(image, BenchmarkSettings.Cores, _settings.Lz4ContentChecksum); // warm-up: JIT and page cache
            var floor = await RepeatAsync(_ => Task.FromResult(Floor.Measure(image, BenchmarkSettings.Cores, _settings.Lz4ContentChecksum)));
            var ours = await RepeatAsync(_ => OurBackupAsync(image, Scratch(spec.Name, "store"), PreparedImage.FirstSnapshot));
            _backups[(spec.Name, "ours")] = ours;
            var ratios = new Dictionary<string, double> { ["floor"] = floor.Seconds / ours.Seconds };
            foreach (var peer in _peers.Where(p => p.IsInstalled))
            {
                var theirs = await RepeatAsync(_ => peer.BackupAsync(image.ImagePath, Scratch(spec.Name, peer.Name)));
                _backups[(spec.Name, peer.Name)] = theirs;
                ratios[peer.Name] = theirs.Seconds / ours.Seconds;
                _results.Add(new ResultRow("1 full backup", $"{spec.Name} ({peer.Name})", "throughput", spec.Size / MB / theirs.Seconds, "MB/s",
                    theirs.PeakRssBytes / 1048576.0, new Dictionary<string, double>()));
            }
            _results.Add(new ResultRow("1 full backup", $"{spec.Name} (floor)", "throughput", spec.Size / MB / floor.Seconds, "MB/s", null,
                new Dictionary<string, double>(), $"SHA-512 + LZ4 of {spec.DataBytes >> 20} MiB of data on {BenchmarkSettings.Cores} cores"));
            _results.Add(new ResultRow("1 full backup", $"{spec.Name} (ours)", "throughput", spec.Size / MB / ours.Seconds, "MB/s",
                ours.PeakRssBytes / 1048576.0, ratios, $"{ours.Seconds:0.000} s"));
        }
    }

    /// <summary>
    /// The user's path through the host (HTTP create → Completed, the host in its own process) against borg and the
    /// engine alone on the same image in the same run: with Longhorn's 2 s settle on both sides, and with it set to 0.
    /// </summary>
    private async Task HostAsync()
    {
        const int SettleFreePairsPerRun = 3;
        var hostPath = new HostPath(_settings.WorkDirectory);
        var settle = new Dictionary<string, string> { ["LONGHORN_BENCH_SETTLE_SECONDS"] = "2" };
        _results.Note(Measurement.DropsPageCache
            ? "7 through the host: every timed run (host, engine, borg) started with the page cache dropped and its input read back in"
            : "7 through the host: the page cache could not be dropped (not root), so its runs started with dirty pages flushed only");
        foreach (var spec in ImageSpec.Standard(_settings.Scale))
        {
            var image = await ImageAsync(spec);
            var sessions = new List<HostPath.HostSession>();
            var unsettled = new List<HostPath.Pair>();
            var engineSettled = new List<Measurement>();
            var engineIncremental = new List<Measurement>();
            var borg = new List<Measurement>();
            for (var i = 0; i < _settings.Runs; i++)
            {
                // Interleaved, so a slow spell of this shared machine falls on every subject alike.
                sessions.Add(await hostPath.RunAsync(image));
                var store = Scratch(spec.Name, "engine");
                Measurement.SettlePageCache([image.ReplicaPath]);
                engineSettled.Add(await Measurement.RunChildAsync(settle, ["backup", "--replica", image.ReplicaPath, "--store", store,
                    "--snapshot", PreparedImage.FirstSnapshot, .. ChecksumFlag]));
                Measurement.SettlePageCache([image.ReplicaPath]);
                engineIncremental.Add(await Measurement.RunChildAsync(settle, ["backup", "--replica", image.ReplicaPath, "--store", store,
                    "--snapshot", PreparedImage.ChangedSnapshot, .. ChecksumFlag]));
                // Every timed run starts from the same page cache (Measurement.SettlePageCache); the settle-free
                // pairs run back to back, in alternating order, and every pair's ratio is reported.
                // The engine alone backs up into one store and deletes each backup after it (untimed, blocks
                // garbage-collected), as the host's backup is deleted between pairs: both then write every block into
                // directories whose files were just removed. Into a fresh store each time the engine measured 10-15 %
                // faster than after a delete in 5 of 5 alternating runs (ANALYSIS.md, round 9).
                var engineStore = Scratch(spec.Name, "engine0");
                unsettled.AddRange(await hostPath.RunPairsAsync(image, SettleFreePairsPerRun, async () =>
                {
                    Measurement.SettlePageCache([image.ReplicaPath]);
                    var measurement = await OurBackupAsync(image, engineStore, PreparedImage.FirstSnapshot);
                    await DeleteOnlyBackupAsync(engineStore);
                    return measurement;
                }));
                if (_peers.OfType<Borg>().FirstOrDefault(p => p.IsInstalled) is { } b)
                {
                    var repository = Scratch(spec.Name, "borg");
                    Measurement.SettlePageCache([image.ImagePath]);
                    borg.Add(await b.BackupAsync(image.ImagePath, repository));
                }
            }
            var host = Measurement.Summarize(sessions.Select(s => s.Full).ToList());
            var hostIncremental = Measurement.Summarize(sessions.Select(s => s.Incremental).ToList());
            var host0 = Measurement.Summarize(unsettled.Select(p => p.Host).ToList());
            var engine2 = Measurement.Summarize(engineSettled);
            var engine0 = Measurement.Summarize(unsettled.Select(p => p.Engine).ToList());
            var ratios = new Dictionary<string, double> { ["engine, 2 s settle"] = engine2.Seconds / host.Seconds };
            if (borg.Count > 0)
            {
                var theirs = Measurement.Summarize(borg);
                ratios["borg"] = theirs.Seconds / host.Seconds;
                _results.Add(new ResultRow("7 through the host", $"{spec.Name} (borg)", "throughput", spec.Size / MB / theirs.Seconds, "MB/s",
                    theirs.PeakRssBytes / 1048576.0, new Dictionary<string, double>()));
            }
            _results.Add(new ResultRow("7 through the host", $"{spec.Name} (engine, 2 s settle)", "throughput", spec.Size / MB / engine2.Seconds, "MB/s",
                engine2.PeakRssBytes / 1048576.0, new Dictionary<string, double>(), $"{engine2.Seconds:0.000} s"));
            _results.Add(new ResultRow("7 through the host", $"{spec.Name} (host, 2 s settle)", "throughput", spec.Size / MB / host.Seconds, "MB/s",
                sessions.Max(s => s.PeakRssBytes) / 1048576.0, ratios,
                $"{host.Seconds:0.000} s from POST to Completed; host idle {sessions.Max(s => s.IdleRssBytes) / 1048576.0:0} MiB RSS"));
            var pairs = unsettled.Select(p => p.Ratio).Order().ToList();
            _results.Add(new ResultRow("7 through the host", $"{spec.Name} (host, no settle)", "throughput", spec.Size / MB / host0.Seconds, "MB/s",
                host0.PeakRssBytes / 1048576.0,
                new Dictionary<string, double> { ["engine, no settle"] = engine0.Seconds / host0.Seconds, ["engine, no settle (median of pairs)"] = pairs[pairs.Count / 2] },
                $"{host0.Seconds:0.000} s; engine alone {engine0.Seconds:0.000} s; run back to back in alternating order, each backup deleted before the next (its blocks garbage-collected), pair ratios " +
                string.Join(" ", pairs.Select(r => r.ToString("0.00", System.Globalization.CultureInfo.InvariantCulture)))));
            // The goal reads "≤ 2 s settle + 5 % of the full backup's time beyond its settle". With the settle hidden
            // behind work, the full backup's time minus 2 s no longer measures its work (for the sparse image it is
            // below the engine alone's incremental), so both readings are reported: 5 % of (full − 2 s), and 5 % of the
            // full backup measured with the settle set to 0.
            var beyondSettle = 2 + 0.05 * (host.Seconds - 2);
            var settleFree = 2 + 0.05 * host0.Seconds;
            string Verdict(double bound) => hostIncremental.Seconds <= bound ? "met" : "missed";
            _results.Add(new ResultRow("7 through the host", $"{spec.Name} 1 % incremental (host)", "time / full backup time",
                100 * hostIncremental.Seconds / host.Seconds, "%", null, new Dictionary<string, double>(),
                $"{image.ChangedBlocks} blocks changed: {hostIncremental.Seconds:0.000} s vs {host.Seconds:0.000} s; goal 2 s + 5 % of " +
                $"(full − 2 s) = {beyondSettle:0.000} s: {Verdict(beyondSettle)}; 2 s + 5 % of the settle-free full = {settleFree:0.000} s: " +
                $"{Verdict(settleFree)}; engine alone {Measurement.Summarize(engineIncremental).Seconds:0.000} s with the settle"));
        }
    }

    /// <summary>The session of median time.</summary>
    private static HostPath.ConcurrentSession Median(List<HostPath.ConcurrentSession> sessions) =>
        sessions.OrderBy(h => h.Seconds).ElementAt(sessions.Count / 2);

    /// <summary>
    /// 8 volumes backed up at once through the host against the engine alone on the same 8 volumes (both with the 2 s
    /// settle), and the host's memory with 20 backups requested at once (Longhorn's limit lets 5 run, the rest wait).
    /// </summary>
    private async Task HostConcurrentAsync()
    {
        var hostPath = new HostPath(_settings.WorkDirectory);
        var bytesEach = 256 * 1024 * 1024 / _settings.Scale;
        var hosts = new List<HostPath.ConcurrentSession>();
        var unlimited = new List<HostPath.ConcurrentSession>();
        var engines = new List<Measurement>();
        // In turn, the order rotated each run: no subject always goes first.
        await InTurnAsync(
            async _ => hosts.Add(await hostPath.RunConcurrentAsync(8, bytesEach)),
            async _ => unlimited.Add(await hostPath.RunConcurrentAsync(8, bytesEach, transferLimit: 8)),
            async _ => engines.Add(await Measurement.RunChildAsync("backup-many", "--volumes", "8", "--bytes",
                bytesEach.ToString(System.Globalization.CultureInfo.InvariantCulture), "--dir", Scratch("concurrent", "engine"))));
        var host = Median(hosts);
        var engine = Measurement.Summarize(engines);
        var total = 8.0 * bytesEach;
        _results.Add(new ResultRow("8 concurrent backups", $"8 × {bytesEach >> 20} MiB random (engine alone, 2 s settle)", "aggregate throughput",
            total / MB / engine.Seconds, "MB/s", engine.PeakRssBytes / 1048576.0, new Dictionary<string, double>(), $"{engine.Seconds:0.000} s"));
        _results.Add(new ResultRow("8 concurrent backups", $"8 × {bytesEach >> 20} MiB random (host)", "aggregate throughput",
            total / MB / host.Seconds, "MB/s", hosts.Max(h => h.PeakRssBytes) / 1048576.0,
            new Dictionary<string, double> { ["engine alone"] = engine.Seconds / host.Seconds },
            $"{host.Seconds:0.000} s from the POSTs to the last Completed; 5 run at once (concurrent-backup-restore-per-node-limit); " +
            $"bound: the 6th-8th start as the first ones end and keep their 2 s settle, earliest end about {host.EarliestEnd(5, TimeSpan.FromSeconds(2)):0.000} s " +
            $"(completions as the 50 ms poll saw them; engine alone / bound {engine.Seconds / host.EarliestEnd(5, TimeSpan.FromSeconds(2)):0.00}x)"));
        var all8 = Median(unlimited);
        _results.Add(new ResultRow("8 concurrent backups", $"8 × {bytesEach >> 20} MiB random (host, limit 8)", "aggregate throughput",
            total / MB / all8.Seconds, "MB/s", unlimited.Max(h => h.PeakRssBytes) / 1048576.0,
            new Dictionary<string, double> { ["engine alone"] = engine.Seconds / all8.Seconds },
            $"{all8.Seconds:0.000} s; concurrent-backup-restore-per-node-limit set to 8, so all run at once as in the engine alone"));
        var twenty = await hostPath.RunConcurrentAsync(20, Math.Max(ImageSpec.BlockSize, 64 * 1024 * 1024 / _settings.Scale));
        _results.Add(new ResultRow("8 concurrent backups", "20 backups requested at once (host)", "peak RSS", twenty.PeakRssBytes / 1048576.0, "MiB",
            twenty.PeakRssBytes / 1048576.0, new Dictionary<string, double>(),
            $"idle {twenty.IdleRssBytes / 1048576.0:0} MiB after start; {twenty.Seconds:0.000} s for all 20"));
    }

    private async Task IncrementalAsync()
    {
        foreach (var spec in ImageSpec.Standard(_settings.Scale))
        {
            var image = await ImageAsync(spec);
            var fulls = new List<Measurement>();
            var incrementals = await RepeatAsync(async i =>
            {
                var store = Scratch(spec.Name, "incremental");
                fulls.Add(await OurBackupAsync(image, store, PreparedImage.FirstSnapshot));
                return await OurBackupAsync(image, store, PreparedImage.ChangedSnapshot);
            });
            var full = Measurement.Summarize(fulls);
            _results.Add(new ResultRow("2 incremental (1 % of blocks)", $"{spec.Name} (ours)", "time / full backup time",
                incrementals.Seconds / full.Seconds * 100, "%", incrementals.PeakRssBytes / 1048576.0, new Dictionary<string, double>(),
                $"{image.ChangedBlocks} of {image.DataOffsets.Count} blocks changed: {incrementals.Seconds:0.000} s vs {full.Seconds:0.000} s"));
        }
    }

    private async Task RestoreAsync()
    {
        foreach (var spec in ImageSpec.Standard(_settings.Scale))
        {
            var image = await ImageAsync(spec);
            var store = Scratch(spec.Name, "restore-store");
            await OurBackupAsync(image, store, PreparedImage.FirstSnapshot);
            var target = Path.Combine(Scratch(spec.Name, "restore"), "restored.img");
            // Every run into a fresh file, as a restore to a new volume writes (ext4 flushes a file truncated and rewritten at its close).
            // The write limit: the same blocks written into a fresh file as fast as the machine takes them. The floor: what a
            // restore cannot do without, each block's SHA-512 checked and the block written, on the same cores.
            var offsets = Path.Combine(Scratch(spec.Name, "restore"), "offsets.txt");
            await File.WriteAllLinesAsync(offsets, image.DataOffsets.Select(o => o.ToString(System.Globalization.CultureInfo.InvariantCulture)));
            Floor.MeasureRestore(image, BenchmarkSettings.Cores, target); // warm-up: JIT and page cache
            File.Delete(target);
            var peers = _peers.Where(p => p.IsInstalled).ToList();
            foreach (var peer in peers.Where(p => !_backups.ContainsKey((spec.Name, p.Name))))
                await peer.BackupAsync(image.ImagePath, Scratch(spec.Name, peer.Name));
            var runs = await InterleaveAsync([
                async _ =>
                {
                    var m = await Measurement.RunChildAsync(["restore", "--store", store, "--target", target, .. ChecksumFlag]);
                    ChildTasks.VerifyRestore(image, target);
                    File.Delete(target);
                    return m;
                },
                async _ =>
                {
                    var m = await Measurement.RunChildAsync("write-limit", "--offsets", offsets, "--size",
                        spec.Size.ToString(System.Globalization.CultureInfo.InvariantCulture), "--target", target);
                    File.Delete(target);
                    return m;
                },
                _ =>
                {
                    var m = Floor.MeasureRestore(image, BenchmarkSettings.Cores, target);
                    File.Delete(target);
                    return Task.FromResult(m);
                },
                .. peers.Select(peer => (Func<int, Task<Measurement>>)(async _ =>
                {
                    var (m, restored) = await peer.RestoreAsync(image.ImagePath, Path.Combine(_settings.WorkDirectory, "runs", spec.Name, peer.Name));
                    ChildTasks.VerifyRestore(image, restored);
                    File.Delete(restored);
                    return m;
                })),
            ]);
            var (ours, limit, floor) = (Measurement.Summarize(runs[0]), Measurement.Summarize(runs[1]), Measurement.Summarize(runs[2]));
            var limitPairs = string.Join(' ', runs[0].Zip(runs[1], (o, l) => l.Seconds / o.Seconds).Order().Select(r => r.ToString("0.00",
                System.Globalization.CultureInfo.InvariantCulture)));
            var ratios = new Dictionary<string, double> { ["write limit"] = limit.Seconds / ours.Seconds, ["floor"] = floor.Seconds / ours.Seconds };
            _results.Add(new ResultRow("3 full restore", $"{spec.Name} (floor)", "throughput", spec.Size / MB / floor.Seconds, "MB/s", null,
                new Dictionary<string, double>(),
                $"SHA-512 of {spec.DataBytes >> 20} MiB of data, each block then written in place into a fresh file, on {BenchmarkSettings.Cores} cores"));
            _results.Add(new ResultRow("3 full restore", $"{spec.Name} (write limit)", "throughput", spec.Size / MB / limit.Seconds, "MB/s",
                limit.PeakRssBytes / 1048576.0, new Dictionary<string, double>(),
                $"{image.DataOffsets.Count} blocks of {ImageSpec.BlockSize >> 20} MiB written in order into a fresh file, as a restore writes them"));
            foreach (var (peer, i) in peers.Select((p, i) => (p, i)))
            {
                var theirs = Measurement.Summarize(runs[3 + i]);
                ratios[peer.Name] = theirs.Seconds / ours.Seconds;
                _results.Add(new ResultRow("3 full restore", $"{spec.Name} ({peer.Name})", "throughput", spec.Size / MB / theirs.Seconds, "MB/s",
                    theirs.PeakRssBytes / 1048576.0, new Dictionary<string, double>()));
            }
            _results.Add(new ResultRow("3 full restore", $"{spec.Name} (ours)", "throughput", spec.Size / MB / ours.Seconds, "MB/s",
                ours.PeakRssBytes / 1048576.0, ratios, $"{ours.Seconds:0.000} s, verified; run in turn with the write limit and the floor " +
                "and the peers (order rotated each run); write limit / ours per run: " + limitPairs));
        }
    }

    private async Task DeleteAsync()
    {
        const int Backups = 50, Blocks = 20_000, PerBackup = 2_048;
        var measurement = await RepeatAsync(async _ =>
        {
            var store = Scratch("gc", "store");
            var victim = await ChildTasks.SynthesizeGcStoreAsync(store, Backups, Blocks, PerBackup);
            return await Measurement.RunChildAsync("delete", "--store", store, "--backup", victim);
        });
        _results.Add(new ResultRow("4 delete + GC", $"1 of {Backups} backups, {Blocks} blocks (ours)", "time", measurement.Seconds, "s",
            measurement.PeakRssBytes / 1048576.0, new Dictionary<string, double>(), $"each backup maps {PerBackup} blocks; the process's first delete"));
        var warm = await RepeatAsync(async _ =>
        {
            var store = Scratch("gc", "store");
            var victim = await ChildTasks.SynthesizeGcStoreAsync(store, Backups, Blocks, PerBackup);
            return await Measurement.RunChildAsync("delete-warm", "--store", store, "--backup", victim);
        });
        _results.Add(new ResultRow("4 delete + GC", $"1 of {Backups} backups, {Blocks} blocks (ours, warm)", "time", warm.Seconds, "s",
            warm.PeakRssBytes / 1048576.0, new Dictionary<string, double> { ["first delete"] = measurement.Seconds / warm.Seconds },
            "the same delete after three on copies of the store in the same process, as a host that has been up a while runs it"));
    }

    private async Task ListAsync()
    {
        const int Volumes = 1000, PerVolume = 10;
        var store = Scratch("list", "store");
        await ListingStore.SynthesizeAsync(store, Volumes, PerVolume);
        var fromStore = await RepeatAsync(_ => Measurement.RunChildAsync("list", "--store", store));
        var database = Path.Combine(Scratch("list", "resources"), "resources.db");
        await ListingStore.SynthesizeResourcesAsync(database, Volumes, PerVolume);
        var fromResources = await RepeatAsync(_ => Measurement.RunChildAsync("list-resources", "--db", database));
        _results.Add(new ResultRow("5 listing", $"{Volumes} volumes × {PerVolume} backups, from the resources", "time", fromResources.Seconds, "s",
            fromResources.PeakRssBytes / 1048576.0, new Dictionary<string, double> { ["from the store"] = fromStore.Seconds / fromResources.Seconds },
            "all BackupVolume and Backup resources from the host's SQLite store, as GET /api/backupvolumes and /api/backups do"));
        foreach (var (route, items) in new[] { ("backupvolumes", Volumes), ("backups", Volumes * PerVolume) })
        {
            var answer = await RepeatAsync(_ => Measurement.RunChildAsync("list-answers", "--db", database, "--route", route));
            _results.Add(new ResultRow("5 listing", $"GET /api/{route}, {items} items", "time", answer.Seconds, "s",
                answer.PeakRssBytes / 1048576.0, new Dictionary<string, double> { ["first listing of both from the resources"] = fromResources.Seconds / answer.Seconds },
                "server work of the route in a host that has answered it 30 times before (median of the next 15), nothing of the kind written since: resources, views, the page's JSON"));
            var changed = await RepeatAsync(_ => Measurement.RunChildAsync("list-answers", "--db", database, "--route", route + "-after-write"));
            _results.Add(new ResultRow("5 listing", $"GET /api/{route}, {items} items, one changed", "time", changed.Seconds, "s",
                changed.PeakRssBytes / 1048576.0, new Dictionary<string, double> { ["first listing of both from the resources"] = fromResources.Seconds / changed.Seconds },
                "the same with one of them written before every answer: the list is read from the database again"));
        }
        _results.Add(new ResultRow("5 listing", $"{Volumes} volumes × {PerVolume} backups, from the store", "time", fromStore.Seconds, "s",
            fromStore.PeakRssBytes / 1048576.0, new Dictionary<string, double>(), "list + inspect of every volume and backup, as a sync does"));
    }

    private async Task MemoryAsync()
    {
        var spec = ImageSpec.Memory(_settings.Scale);
        var image = await ImageAsync(spec);
        var store = Scratch(spec.Name, "store");
        var backup = await OurBackupAsync(image, store, PreparedImage.FirstSnapshot);
        var target = Path.Combine(Scratch(spec.Name, "restore"), "restored.img");
        var restore = await Measurement.RunChildAsync(["restore", "--store", store, "--target", target, .. ChecksumFlag]);
        ChildTasks.VerifyRestore(image, target);
        File.Delete(target);
        _results.Add(new ResultRow("memory", $"{spec.Name}: {spec.Size >> 30} GiB volume, {spec.DataBytes >> 20} MiB data", "backup peak RSS",
            backup.PeakRssBytes / 1048576.0, "MiB", backup.PeakRssBytes / 1048576.0, new Dictionary<string, double>(), $"backup {backup.Seconds:0.000} s"));
        _results.Add(new ResultRow("memory", $"{spec.Name}: {spec.Size >> 30} GiB volume, {spec.DataBytes >> 20} MiB data", "restore peak RSS",
            restore.PeakRssBytes / 1048576.0, "MiB", restore.PeakRssBytes / 1048576.0, new Dictionary<string, double>(), $"restore {restore.Seconds:0.000} s"));
    }

    private async Task S3Async()
    {
        var spec = ImageSpec.Standard(_settings.Scale)[0];
        var image = await ImageAsync(spec);
        if (!Executables.Exists("aws"))
        {
            _results.Note("6 s3: the aws CLI is not installed, so there is no reference; scenario skipped");
            return;
        }
        await using (var emulator = await S3Server.StartEmulatorAsync(Scratch("s3", "emulator")))
            await S3BackupAsync(spec, image, emulator);
        if (Executables.Exists("moto_server"))
        {
            await using var moto = await S3Server.StartMotoAsync();
            await S3BackupAsync(spec, image, moto);
        }
        else _results.Note("6 s3: moto_server is not installed; its row is skipped");
    }

    private async Task S3BackupAsync(ImageSpec spec, PreparedImage image, S3Server server)
    {
        var requests = new List<long>();
        var awsRequests = new List<long>();
        // The requests a run makes, where the server counts them; the child's warm-up backup goes to a local store.
        async Task<Measurement> Counted(List<long> counts, Func<Task<Measurement>> run)
        {
            var before = server.Requests?.Invoke() ?? 0;
            var measured = await run();
            if (server.Requests is { } count) counts.Add(count() - before);
            return measured;
        }
        // In turn, the order rotated each run: moto_server holds every object in its own memory, so a later run uploads
        // into a larger server process, and neither side may always go first.
        var runs = await InterleaveAsync(
            i => Counted(requests, () => Measurement.RunChildAsync(server.Environment,
                ["backup", "--replica", image.ReplicaPath, "--store", $"s3://{server.Bucket}@us-east-1/ours-{i}/", "--snapshot", PreparedImage.FirstSnapshot, .. ChecksumFlag])),
            i => Counted(awsRequests, () => Measurement.RunCommandAsync(_settings.WorkDirectory, server.Environment, "aws",
                "--endpoint-url", server.Endpoint.ToString(), "s3", "cp", image.ImagePath, $"s3://{server.Bucket}/aws-{i}/image.img")));
        var (ours, aws) = (Measurement.Summarize(runs[0]), Measurement.Summarize(runs[1]));
        var perBackup = requests.Count > 0 ? $"; {requests.Order().ElementAt(requests.Count / 2)} requests a backup" : "";
        var perCopy = awsRequests.Count > 0 ? $"; {awsRequests.Order().ElementAt(awsRequests.Count / 2)} requests" : "";
        _results.Add(new ResultRow("6 backup to S3", $"{spec.Name} to {server.Name} (aws s3 cp)", "throughput", spec.Size / MB / aws.Seconds, "MB/s",
            aws.PeakRssBytes / 1048576.0, new Dictionary<string, double>(), "the same bytes uploaded as one multipart object" + perCopy));
        _results.Add(new ResultRow("6 backup to S3", $"{spec.Name} to {server.Name} (ours)", "throughput", spec.Size / MB / ours.Seconds, "MB/s",
            ours.PeakRssBytes / 1048576.0, new Dictionary<string, double> { ["aws s3 cp"] = aws.Seconds / ours.Seconds },
            $"{ours.Seconds:0.000} s; lz4 blocks, one PUT each" + perBackup));
    }
}
