using System.Collections.Concurrent;
using System.Net;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using Longhorn.Engine;
using Longhorn.Engine.Locks;
using Longhorn.Engine.Restores;
using Longhorn.Engine.Store;
using Xunit.Abstractions;

namespace Longhorn.Functions.Tests.Soak;

/// <summary>How the soak reaches one kind of target: the hosts' settings, their setup, the test's own driver, the fault switch.</summary>
public sealed record SoakTarget(
    string Name,
    IReadOnlyDictionary<string, string> HostEnvironment,
    Func<SoakHost, Task> ConfigureAsync,
    Func<IBackupStoreDriver> OpenDriver,
    Func<bool, Task> SetFaultsAsync,
    Func<Task<long>> InjectedAsync,
    string? LocalRoot);

/// <summary>
/// The fault soak: two hosts on one target run concurrent backups, deletes and restores while one of them is SIGKILLed
/// every few seconds (and, on S3, the store slows down, drops connections and answers 500 and 503). Then, faults off: nothing
/// may be stuck, every backup left complete in the store restores byte-exact, the store check finds nothing missing or
/// corrupt, and after a last restart no lock or temp file is left.
/// </summary>
public sealed class SoakRun(SoakTarget target, string workDir, TimeSpan workload, ITestOutputHelper output)
{
    private const int VolumeSize = 8 * 1024 * 1024;
    private static readonly TimeSpan Settle = TimeSpan.FromMinutes(2);
    private readonly SoakFigures _figures = new(target.Name, workload);
    private readonly ConcurrentDictionary<string, Expected> _backups = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, byte> _completed = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<(SoakHost Host, string Backup), byte> _deleting = new();
    private readonly List<SoakHost> _hosts = [];
    private readonly ConcurrentDictionary<string, byte> _abandoned = new(StringComparer.Ordinal);
    private int _restores;

    /// <summary>What a backup must hold: its volume's bytes when it was taken, hashed.</summary>
    private sealed record Expected(string Volume, string Sha256)
    {
        public string Url { get; set; } = "";
    }

    public async Task<SoakFigures> RunAsync()
    {
        var clock = System.Diagnostics.Stopwatch.StartNew();
        void Phase(string name) => _figures.Phases.Add($"{name} done at {clock.Elapsed.TotalSeconds:0.0} s");
        try
        {
            foreach (var name in new[] { "a", "b" })
            {
                var host = new SoakHost(name, Path.Combine(workDir, "host-" + name), target.HostEnvironment);
                _hosts.Add(host);
                await host.StartAsync();
                await target.ConfigureAsync(host);
            }
            await target.SetFaultsAsync(true);
            Phase("start");

            using var stop = new CancellationTokenSource(workload);
            var loops = new List<Task>();
            foreach (var host in _hosts)
            {
                foreach (var volume in new[] { host.Name + "1", host.Name + "2" })
                {
                    await host.ExpectAsync(HttpMethod.Post, "/api/volumes", new { name = volume, size = VolumeSize });
                    loops.Add(BackupLoopAsync(host, volume, stop.Token));
                }
                loops.Add(DeleteLoopAsync(host, stop.Token));
                loops.Add(RestoreLoopAsync(host, stop.Token));
            }
            loops.Add(KillLoopAsync(stop.Token));
            await Task.WhenAll(loops);
            Phase("workload");

            await target.SetFaultsAsync(false);
            _figures.FaultsInjected = await target.InjectedAsync();
            await SettleAsync();
            _figures.AbandonedPlaceholders = _abandoned.Count;
            Phase("settle");
            await RestartAllAsync();
            Phase("last restart");
            await CheckLeftoversAsync();
            await CheckStoreAsync();
            Phase("store check");
            await VerifyStoreAsync();
            Phase("verify");
        }
        catch (Exception e)
        {
            _figures.Fail($"the soak itself failed: {e}");
        }
        finally
        {
            _figures.LeftoversRemovedAtRestarts = _hosts.Sum(h => h.LeftoversRemoved);
            foreach (var host in _hosts)
            {
                await File.WriteAllTextAsync(Path.Combine(workDir, $"host-{host.Name}.log"), host.Output);
                host.Dispose();
            }
        }
        return _figures;
    }

    /// <summary>Write, back up, wait for the outcome; the volume is not written again until its backup has ended.</summary>
    private async Task BackupLoopAsync(SoakHost host, string volume, CancellationToken stop)
    {
        var random = new Random(volume.GetHashCode(StringComparison.Ordinal));
        var model = new byte[VolumeSize];
        while (!stop.IsCancellationRequested)
        {
            for (var chunks = random.Next(1, 4); chunks > 0; chunks--)
            {
                var length = random.Next(16, 257) * 4096;
                var offset = random.Next(0, (VolumeSize - length) / 4096 + 1) * 4096;
                var data = new byte[length];
                random.NextBytes(data);
                // A write cut by a kill is sent again: the same bytes at the same place.
                await host.ExpectAsync(HttpMethod.Put, $"/api/volumes/{volume}/data?offset={offset}", data);
                data.CopyTo(model, offset);
            }
            var expected = new Expected(volume, Convert.ToHexString(SHA256.HashData(model)));
            foreach (var name in await RequestBackupAsync(host, volume, expected))
            {
                var (state, backup) = await WaitAsync(host, $"/api/backups/{name}", b => (string?)b["state"] is "Completed" or "Error");
                _figures.Count("backup", state, (string?)backup?["error"]);
                if (state == "Completed")
                {
                    expected.Url = (string)backup!["url"]!;
                    _completed[name] = 0;
                }
            }
        }
    }

    /// <summary>The names of the backups the request made: a request cut by a kill may or may not have landed.</summary>
    private async Task<IReadOnlyList<string>> RequestBackupAsync(SoakHost host, string volume, Expected expected)
    {
        while (true)
        {
            if (await host.TrySendAsync(HttpMethod.Post, $"/api/volumes/{volume}/backups", new { }) is { } answer)
            {
                Assert.True(answer.Status == HttpStatusCode.Accepted, $"backup of {volume}: {answer.Status} {SoakHost.Describe(answer.Body)}");
                var name = (string)answer.Body!["name"]!;
                _backups[name] = expected;
                return [name];
            }
            // Killed under the request: whatever backup of the volume the host knows and we do not is this one.
            var (_, list) = await host.SendAsync(HttpMethod.Get, $"/api/backups?volume={volume}");
            var adopted = list!["data"]!.AsArray().Select(b => (string)b!["name"]!).Where(n => !_backups.ContainsKey(n)).ToList();
            foreach (var name in adopted) _backups[name] = expected;
            if (adopted.Count > 0) return adopted;
        }
    }

    private async Task DeleteLoopAsync(SoakHost host, CancellationToken stop)
    {
        var random = new Random(host.Name.GetHashCode(StringComparison.Ordinal) + 1);
        while (await PauseAsync(random, 1500, 4000, stop))
        {
            var candidates = _completed.Keys.ToList();
            if (candidates.Count < 4) continue;
            var name = candidates[random.Next(candidates.Count)];
            if (!_completed.TryRemove(name, out _)) continue;
            // Asked first, so that a 404 to the DELETE itself is never mistaken for "not synced yet": a DELETE cut by a kill
            // is sent again, and the restarted host may have finished the deletion before it arrives.
            var (known, _) = await host.SendAsync(HttpMethod.Get, $"/api/backups/{name}");
            if (known == HttpStatusCode.NotFound)
            {
                // The other host's backup, not pulled by this host yet.
                _completed[name] = 0;
                _figures.Count("delete", "not synced yet");
                await host.SendAsync(HttpMethod.Post, "/api/backuptargets/default/sync", new { });
                continue;
            }
            var cut = false;
            if (await host.TrySendAsync(HttpMethod.Delete, $"/api/backups/{name}") is not { } answer)
            {
                cut = true;
                answer = await host.SendAsync(HttpMethod.Delete, $"/api/backups/{name}");
            }
            var (status, body) = answer;
            if (status == HttpStatusCode.NotFound)
            {
                if (cut)
                {
                    _figures.Count("delete", "deleted (request cut by a kill, finished at restart)");
                }
                else
                {
                    // Nobody else deletes a backup this loop holds: gone between the GET and the DELETE is a loss.
                    _figures.Fail($"{host.Name}: backup {name} was known, then gone before its DELETE arrived");
                }
                continue;
            }
            Assert.True(status is HttpStatusCode.Accepted or HttpStatusCode.OK or HttpStatusCode.NoContent, $"delete {name}: {status} {SoakHost.Describe(body)}");
            _deleting[(host, name)] = 0;
            var (state, backup) = await WaitAsync(host, $"/api/backups/{name}", b => (string?)b["state"] is "Error", gone: true);
            _figures.Count("delete", state == "gone" ? "deleted" : "failed, retried later",
                (string?)backup?["messages"]?["error"] ?? (string?)backup?["error"]);
        }
    }

    private async Task RestoreLoopAsync(SoakHost host, CancellationToken stop)
    {
        var random = new Random(host.Name.GetHashCode(StringComparison.Ordinal) + 2);
        while (await PauseAsync(random, 500, 2500, stop))
        {
            var candidates = _completed.Keys.ToList();
            if (candidates.Count == 0) continue;
            var backup = candidates[random.Next(candidates.Count)];
            var expected = _backups[backup];
            var volume = $"r{host.Name}{Interlocked.Increment(ref _restores)}";
            var (created, body) = await host.SendAsync(HttpMethod.Post, "/api/volumes", new { name = volume, fromBackup = expected.Url });
            if (created is not (HttpStatusCode.Created or HttpStatusCode.OK or HttpStatusCode.Accepted or HttpStatusCode.Conflict))
            {
                // 404: the backup is the other host's and this one has not pulled it yet, or it was deleted meanwhile.
                _figures.Count("restore", created == HttpStatusCode.NotFound ? "backup not known" : $"refused {(int)created}", SoakHost.Describe(body));
                continue;
            }
            var (state, restored) = await WaitAsync(host, $"/api/volumes/{volume}", v => (string?)v["restoreStatus"]?["state"] is "complete" or "error",
                state: v => (string?)v["restoreStatus"]?["state"] ?? "");
            if (state == "complete")
            {
                var bytes = await host.ReadAsync(volume, VolumeSize);
                if (Convert.ToHexString(SHA256.HashData(bytes)) == expected.Sha256)
                {
                    Interlocked.Increment(ref _figures.RestoresVerifiedByHosts);
                    _figures.Count("restore", "byte-exact");
                }
                else
                {
                    _figures.Count("restore", "MISMATCH");
                    _figures.Fail($"{host.Name}: restore of {backup} into {volume} differs from the volume's bytes when it was backed up");
                }
            }
            else
            {
                _figures.Count("restore", state, SoakHost.Describe(restored?["restoreStatus"]));
            }
            await host.ExpectAsync(HttpMethod.Delete, $"/api/volumes/{volume}", null,
                HttpStatusCode.OK, HttpStatusCode.Accepted, HttpStatusCode.NoContent, HttpStatusCode.NotFound);
        }
    }

    private async Task KillLoopAsync(CancellationToken stop)
    {
        var random = new Random(13);
        while (await PauseAsync(random, 2000, 6000, stop))
        {
            var host = _hosts[random.Next(_hosts.Count)];
            await host.KillAsync();
            Interlocked.Increment(ref _figures.Kills);
            await host.StartAsync();
        }
    }

    /// <summary>Polls a resource through kills until done (or gone, when asked); a poll past the bound is a stuck operation.</summary>
    private async Task<(string State, JsonNode? Last)> WaitAsync(SoakHost host, string path, Func<JsonNode, bool> done, bool gone = false,
        Func<JsonNode, string>? state = null)
    {
        state ??= n => (string?)n["state"] ?? "";
        var deadline = DateTime.UtcNow + Settle;
        JsonNode? last = null;
        while (DateTime.UtcNow < deadline)
        {
            var (status, body) = await host.SendAsync(HttpMethod.Get, path);
            if (status == HttpStatusCode.NotFound) return (gone ? "gone" : "vanished", last);
            Assert.True(status == HttpStatusCode.OK, $"GET {path}: {status} {SoakHost.Describe(body)}");
            last = body;
            if (done(body!)) return (state(body!), body);
            await Task.Delay(100);
        }
        _figures.Fail($"{host.Name}: {path} stuck for {Settle}: {SoakHost.Describe(last)}");
        return ("stuck", last);
    }

    private static async Task<bool> PauseAsync(Random random, int minMs, int maxMs, CancellationToken stop)
    {
        try
        {
            await Task.Delay(random.Next(minMs, maxMs), stop);
            return true;
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }

    /// <summary>With faults off and no more kills, every backup on each host ends and every deletion it accepted finishes.</summary>
    private async Task SettleAsync()
    {
        foreach (var host in _hosts)
        {
            foreach (var ((owner, name), _) in _deleting.Where(d => d.Key.Host == host))
            {
                var (state, last) = await WaitAsync(owner, $"/api/backups/{name}", _ => false, gone: true);
                if (state != "gone") _figures.Fail($"{host.Name}: the deletion of {name} never finished: {SoakHost.Describe(last)}");
            }
            var deadline = DateTime.UtcNow + Settle;
            while (true)
            {
                var (_, list) = await host.SendAsync(HttpMethod.Get, "/api/backups");
                var busy = new List<JsonNode>();
                foreach (var b in list!["data"]!.AsArray().Where(b => (string?)b!["state"] is not ("Completed" or "Error") || b!["deletionTimestamp"] is JsonValue))
                {
                    // A backup killed mid-way leaves its placeholder cfg until its own host's failed-backup-ttl deletes it: the
                    // owner shows it Error, the other host, reading the store, InProgress. Counted, not stuck.
                    if ((string?)b!["state"] == "InProgress" && await OwnerFailedAsync(host, (string)b["name"]!)) continue;
                    busy.Add(b!);
                }
                if (busy.Count == 0) break;
                if (DateTime.UtcNow > deadline)
                {
                    foreach (var b in busy) _figures.Fail($"{host.Name}: backup stuck: {SoakHost.Describe(b)}");
                    break;
                }
                await Task.Delay(250);
            }
        }
    }

    private async Task<bool> OwnerFailedAsync(SoakHost viewer, string backup)
    {
        foreach (var other in _hosts.Where(h => h != viewer))
        {
            var (status, body) = await other.SendAsync(HttpMethod.Get, $"/api/backups/{backup}");
            if (status == HttpStatusCode.OK && (string?)body!["state"] == "Error")
            {
                _abandoned.TryAdd(backup, 0);
                return true;
            }
        }
        return false;
    }

    /// <summary>A last SIGKILL and start of each host: whatever lock or temp file a host still had recorded goes at its start.</summary>
    private async Task RestartAllAsync()
    {
        await Task.WhenAll(_hosts.Select(async host =>
        {
            await host.KillAsync();
            await host.StartAsync();
        }));
    }

    /// <summary>Both hosts idle and restarted: no lock file and no temp file anywhere in the store.</summary>
    private async Task CheckLeftoversAsync()
    {
        var driver = target.OpenDriver();
        try
        {
            var store = new BackupStore(driver);
            foreach (var volume in await store.ListVolumeNamesAsync())
            {
                var hash = Convert.ToHexStringLower(SHA512.HashData(Encoding.UTF8.GetBytes(volume)));
                var locks = await driver.ListAsync($"backupstore/volumes/{hash[..2]}/{hash[2..4]}/{volume}/locks/", CancellationToken.None);
                foreach (var file in locks.Where(f => f.Contains(".lck", StringComparison.Ordinal)))
                {
                    _figures.LocksLeft++;
                    _figures.Fail($"lock file left: {volume}/locks/{file}");
                }
            }
            if (target.LocalRoot is { } root)
            {
                foreach (var file in Directory.EnumerateFiles(root, "*.tmp.*", SearchOption.AllDirectories))
                {
                    _figures.TempFilesLeft++;
                    _figures.Fail($"temp file left: {Path.GetRelativePath(root, file)}");
                }
            }
        }
        finally
        {
            (driver as IDisposable)?.Dispose();
        }
    }

    /// <summary>The host's store check (POST backuptargets/default/check, every block read): nothing missing, corrupt or unreadable.</summary>
    private async Task CheckStoreAsync()
    {
        var report = await _hosts[0].ExpectAsync(HttpMethod.Post, "/api/backuptargets/default/check", new { readData = true });
        int Count(string field) => report[field]?.AsArray().Count ?? 0;
        _figures.StoreCheck = $"{report["volumesChecked"]} volumes, {report["backupsChecked"]} backups, {report["blocksChecked"]} blocks checked, " +
                              $"{report["blocksRead"]} read; missing {Count("missingBlocks")}, corrupt {Count("corruptBlocks")}, " +
                              $"unreadable cfgs {Count("unreadableConfigs")}; orphan blocks {Count("orphanBlocks")}, " +
                              $"in-progress cfgs {Count("inProgressBackups")}, stale locks {Count("staleLocks")}, temp files {Count("tempFiles")}";
        foreach (var field in new[] { "missingBlocks", "corruptBlocks", "unreadableConfigs", "inProgressBackups", "staleLocks", "tempFiles" })
        {
            if (Count(field) > 0) _figures.Fail($"store check: {field}: {report[field]!.ToJsonString()}");
        }
        if ((bool?)report["isConsistent"] != true) _figures.Fail($"store check: not consistent: {report.ToJsonString()}");
    }

    /// <summary>
    /// Every backup complete in the store is one the soak asked for and restores, read by the test's own engine, to exactly
    /// the bytes its volume had; every backup a host reported Completed and nobody deleted is there.
    /// </summary>
    private async Task VerifyStoreAsync()
    {
        var driver = target.OpenDriver();
        try
        {
            // The hosts are idle: the test's own engine needs no settle wait for rivals' locks.
            var store = new BackupStore(driver, new BackupStoreOptions { Locks = new LockOptions { SettleTime = TimeSpan.Zero } });
            var found = new HashSet<string>(StringComparer.Ordinal);
            foreach (var volume in await store.ListVolumeNamesAsync())
            {
                foreach (var name in await store.ListBackupNamesAsync(volume))
                {
                    found.Add(name);
                    if (!_backups.TryGetValue(name, out var expected))
                    {
                        _figures.Fail($"backup {name} of {volume} in the store was never asked for");
                        continue;
                    }
                    try
                    {
                        await store.InspectBackupAsync(volume, name);
                    }
                    catch (BackupStoreInProgressException)
                    {
                        // Every host has restarted by now, and a restarted host removes the placeholders of its own killed backups.
                        _figures.PlaceholdersLeftByKills++;
                        _figures.Fail($"placeholder cfg of backup {name} of {volume} left after every host restarted");
                        continue;
                    }
                    var file = Path.Combine(workDir, "verify.img");
                    using (var restoreTarget = new FileRestoreTarget(file))
                        await store.RestoreAsync(volume, name, restoreTarget);
                    if (Convert.ToHexString(SHA256.HashData(await File.ReadAllBytesAsync(file))) == expected.Sha256) _figures.BackupsVerifiedAtEnd++;
                    else _figures.Fail($"backup {name} of {volume} restores to other bytes than its volume had");
                    File.Delete(file);
                }
            }
            foreach (var name in _completed.Keys.Where(n => !found.Contains(n)))
                _figures.Fail($"backup {name} was reported Completed, never deleted, and is not in the store");
        }
        finally
        {
            (driver as IDisposable)?.Dispose();
        }
        output.WriteLine($"verified {_figures.BackupsVerifiedAtEnd} backups in the store");
    }
}
