namespace Longhorn.Simulator;

/// <summary>The simulator's entry point (a named class: top-level statements would make a public Program that clashes with the host's).</summary>
internal static class Program
{
    private static Task<int> Main(string[] args) => SimulatorCommands.RunAsync(args, Console.Out, Console.Error);
}
