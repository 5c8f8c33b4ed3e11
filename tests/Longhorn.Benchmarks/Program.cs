using BenchmarkDotNet.Running;
using Longhorn.Benchmarks;
using Longhorn.Benchmarks.Scenarios;

// dotnet run -c Release --project tests/Longhorn.Benchmarks -- <scenario|all|micro> [--quick] [--runs N] [--work DIR] [--content-checksum]
if (args.Length > 0 && args[0] == "--child") return await ChildTasks.RunAsync(args[1..]);
if (args.Length > 0 && args[0] == "micro") return RunMicro(args[1..]);

var quick = args.Contains("--quick");
string? Option(string name) => Array.IndexOf(args, name) is var i and >= 0 && i + 1 < args.Length ? args[i + 1] : null;
var requested = args.Where(a => !a.StartsWith("--", StringComparison.Ordinal) && !IsOptionValue(a)).ToList();
if (requested.Count == 0)
{
    Console.Error.WriteLine($"usage: Longhorn.Benchmarks <{string.Join('|', BenchmarkRun.Scenarios)}|all|micro> [--quick] [--runs N] [--work DIR] [--content-checksum]");
    return 2;
}
var scenarios = requested.Contains("all") ? BenchmarkRun.Scenarios : requested.ToArray();
var repoResults = Path.GetFullPath(Path.Combine(AppContext.BaseDirectory, "../../../results"));
var settings = new BenchmarkSettings(
    WorkDirectory: Option("--work") ?? Path.Combine(Path.GetTempPath(), "longhorn-bench"),
    ResultsDirectory: Option("--results") ?? (quick ? Path.Combine(repoResults, "quick") : repoResults),
    Runs: int.Parse(Option("--runs") ?? (quick ? "1" : "3"), System.Globalization.CultureInfo.InvariantCulture),
    Scale: quick ? 16 : 1,
    Lz4ContentChecksum: args.Contains("--content-checksum"));
Console.WriteLine($"work directory {settings.WorkDirectory}; results in {settings.ResultsDirectory}");
await new BenchmarkRun(settings).RunAsync(scenarios);
return 0;

bool IsOptionValue(string a) => Array.IndexOf(args, a) is var i and > 0 && args[i - 1] is "--runs" or "--work" or "--results";

static int RunMicro(string[] rest)
{
    var switcher = BenchmarkSwitcher.FromAssembly(typeof(ChildTasks).Assembly);
    switcher.Run(rest.Length > 0 ? rest : ["--filter", "*"]);
    return 0;
}
