using System.Globalization;
using System.Text;
using System.Text.Json;

namespace Longhorn.Benchmarks.Reporting;

/// <summary>Collects the run's figures and writes them as a Markdown table and as JSON.</summary>
public sealed class ResultTable
{
    private readonly List<ResultRow> _rows = [];
    private readonly List<string> _notes = [];

    public void Add(ResultRow row)
    {
        _rows.Add(row);
        var ratios = string.Join(", ", row.Ratios.Select(r => $"{r.Value:0.00}x {r.Key}"));
        var rss = row.PeakRssMiB is { } m ? $", peak RSS {m:0} MiB" : "";
        Console.WriteLine($"  {row.Scenario} / {row.Subject}: {row.Metric} = {Format(row.Value)} {row.Unit}{rss}{(ratios.Length > 0 ? " — " + ratios : "")}{(row.Note.Length > 0 ? " (" + row.Note + ")" : "")}");
    }

    public void Note(string note)
    {
        _notes.Add(note);
        Console.WriteLine("  note: " + note);
    }

    public async Task WriteAsync(string directory, string header)
    {
        Directory.CreateDirectory(directory);
        var md = new StringBuilder();
        md.AppendLine("# Benchmark results").AppendLine().AppendLine(header).AppendLine();
        md.AppendLine("| scenario | subject | metric | value | peak RSS MiB | ratios (>1 means ours is better) | note |");
        md.AppendLine("| --- | --- | --- | --- | --- | --- | --- |");
        foreach (var r in _rows)
        {
            var ratios = string.Join("; ", r.Ratios.Select(x => $"{x.Value:0.00}× {x.Key}"));
            md.AppendLine($"| {r.Scenario} | {r.Subject} | {r.Metric} | {Format(r.Value)} {r.Unit} | {(r.PeakRssMiB is { } m ? m.ToString("0", CultureInfo.InvariantCulture) : "")} | {ratios} | {r.Note} |");
        }
        if (_notes.Count > 0)
        {
            md.AppendLine().AppendLine("Notes:").AppendLine();
            foreach (var n in _notes) md.AppendLine("- " + n);
        }
        await File.WriteAllTextAsync(Path.Combine(directory, "latest.md"), md.ToString());
        await File.WriteAllTextAsync(Path.Combine(directory, "latest.json"),
            JsonSerializer.Serialize(new { header, rows = _rows, notes = _notes }, new JsonSerializerOptions { WriteIndented = true }));
    }

    private static string Format(double value) => value.ToString(value >= 100 ? "0" : value >= 10 ? "0.0" : "0.000", CultureInfo.InvariantCulture);
}
