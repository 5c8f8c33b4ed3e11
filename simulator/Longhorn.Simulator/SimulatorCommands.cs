using Longhorn.Simulator.S3;

namespace Longhorn.Simulator;

/// <summary>The simulator's command line: <c>Longhorn.Simulator &lt;command&gt; [options]</c>, one entry per emulated server.</summary>
public static class SimulatorCommands
{
    private static readonly IReadOnlyDictionary<string, (string Summary, Func<string[], TextWriter, TextWriter, Task<int>> Run)> Commands =
        new Dictionary<string, (string, Func<string[], TextWriter, TextWriter, Task<int>>)>(StringComparer.Ordinal)
        {
            ["s3"] = ("a MinIO-compatible S3 server (see `s3 --help`)", S3Command.RunAsync),
        };

    public static async Task<int> RunAsync(string[] args, TextWriter output, TextWriter error)
    {
        if (args.Length == 0 || !Commands.TryGetValue(args[0], out var command))
        {
            await error.WriteLineAsync(args.Length == 0 ? "no command given" : $"unknown command '{args[0]}'").ConfigureAwait(false);
            await error.WriteLineAsync("usage: Longhorn.Simulator <command> [options]").ConfigureAwait(false);
            foreach (var (name, (summary, _)) in Commands) await error.WriteLineAsync($"  {name,-8}{summary}").ConfigureAwait(false);
            return 2;
        }
        return await command.Run(args[1..], output, error).ConfigureAwait(false);
    }
}
