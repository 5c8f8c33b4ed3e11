using System.Collections.Concurrent;
using System.Text;

namespace Longhorn.Functions.Tests.Soak;

/// <summary>What a soak did and saw: operations by kind and outcome, kills, faults, byte-exact restores, and every failure.</summary>
public sealed class SoakFigures(string target, TimeSpan workload)
{
    private readonly ConcurrentDictionary<(string Kind, string Outcome), int> _operations = new();
    private readonly ConcurrentQueue<string> _failures = new();
    private readonly ConcurrentQueue<string> _samples = new();

    public int Kills;
    public int RestoresVerifiedByHosts;
    public int BackupsVerifiedAtEnd;
    public int PlaceholdersLeftByKills;
    public int AbandonedPlaceholders;
    public long FaultsInjected;
    public int LeftoversRemovedAtRestarts;
    public int LocksLeft;
    public int TempFilesLeft;
    public string StoreCheck = "not run";

    public IReadOnlyCollection<string> Failures => _failures;

    /// <summary>When each phase ended, from the start of the run.</summary>
    public List<string> Phases { get; } = [];

    public void Count(string kind, string outcome, string? sample = null)
    {
        _operations.AddOrUpdate((kind, outcome), 1, (_, n) => n + 1);
        if (!string.IsNullOrEmpty(sample) && _samples.Count(s => s.StartsWith($"{kind}/{outcome}", StringComparison.Ordinal)) < 2)
            _samples.Enqueue($"{kind}/{outcome}: {sample}");
    }

    /// <summary>A broken promise (a mismatch, something stuck, a leftover): the soak fails on any.</summary>
    public void Fail(string what) => _failures.Enqueue(what);

    public string Report()
    {
        var text = new StringBuilder()
            .AppendLine($"Fault soak, target {target}: {workload.TotalSeconds:0} s of workload, two hosts")
            .AppendLine("operation  outcome                 count");
        foreach (var ((kind, outcome), count) in _operations.OrderBy(o => o.Key.Kind, StringComparer.Ordinal).ThenBy(o => o.Key.Outcome, StringComparer.Ordinal))
            text.AppendLine($"{kind,-10} {outcome,-23} {count,5}");
        text.AppendLine($"operations               {_operations.Values.Sum(),5}")
            .AppendLine($"SIGKILLs                 {Kills,5}")
            .AppendLine($"S3 faults injected       {FaultsInjected,5}")
            .AppendLine($"restores verified byte-exact by the hosts during the run: {RestoresVerifiedByHosts}")
            .AppendLine($"backups in the store restored byte-exact at the end: {BackupsVerifiedAtEnd}")
            .AppendLine($"placeholder cfgs of killed backups in the store: {PlaceholdersLeftByKills} " +
                        $"({AbandonedPlaceholders} shown InProgress by the other host until the owner's failed-backup-ttl)")
            .AppendLine($"own lock/temp files removed by restarted hosts: {LeftoversRemovedAtRestarts}")
            .AppendLine($"lock files left at the end: {LocksLeft}; temp files left: {TempFilesLeft}")
            .AppendLine($"store check: {StoreCheck}")
            .AppendLine($"phases: {string.Join("; ", Phases)}")
            .AppendLine($"failures: {_failures.Count}");
        foreach (var failure in _failures) text.AppendLine("  FAILURE " + failure);
        foreach (var sample in _samples) text.AppendLine("  e.g. " + sample);
        return text.ToString();
    }
}
