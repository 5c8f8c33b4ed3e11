namespace Longhorn.Simulator.Faults;

/// <summary>The seeded source of random fault decisions: the same seed gives the same sequence, so a failing test repeats.</summary>
public sealed class FaultDice
{
    private readonly object _gate = new();
    private readonly Random _random;

    public FaultDice(int seed) => _random = new Random(seed);

    /// <summary>A number in [0, 1).</summary>
    public double Roll()
    {
        lock (_gate) return _random.NextDouble();
    }
}
