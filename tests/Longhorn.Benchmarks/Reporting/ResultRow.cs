namespace Longhorn.Benchmarks.Reporting;

/// <summary>One figure: what was measured, on which image, its value and unit, and its ratio to each reference.</summary>
public sealed record ResultRow(
    string Scenario,
    string Subject,
    string Metric,
    double Value,
    string Unit,
    double? PeakRssMiB,
    IReadOnlyDictionary<string, double> Ratios,
    string Note = "");
