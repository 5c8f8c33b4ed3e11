using System.Globalization;
using System.Text.RegularExpressions;

namespace Longhorn.Functions.Csi;

/// <summary>Kubernetes resource quantities for storage: <c>2Gi</c>, <c>500M</c>, <c>1.5Gi</c>, <c>1073741824</c>, <c>1e9</c>.</summary>
public static partial class Quantity
{
    [GeneratedRegex("^([0-9]+(?:\\.[0-9]+)?)(Ki|Mi|Gi|Ti|Pi|Ei|k|M|G|T|P|E|e[0-9]+)?$")]
    private static partial Regex Pattern();

    /// <summary>Bytes, or null when the text is not a quantity.</summary>
    public static long? ParseBytes(string? text)
    {
        if (text is null || Pattern().Match(text.Trim()) is not { Success: true } match) return null;
        var number = decimal.Parse(match.Groups[1].Value, CultureInfo.InvariantCulture);
        var suffix = match.Groups[2].Value;
        decimal factor = suffix switch
        {
            "" => 1,
            "Ki" => 1L << 10, "Mi" => 1L << 20, "Gi" => 1L << 30, "Ti" => 1L << 40, "Pi" => 1L << 50, "Ei" => 1L << 60,
            "k" => 1e3m, "M" => 1e6m, "G" => 1e9m, "T" => 1e12m, "P" => 1e15m, "E" => 1e18m,
            _ => (decimal)Math.Pow(10, int.Parse(suffix[1..], CultureInfo.InvariantCulture)),
        };
        var bytes = Math.Ceiling(number * factor);
        return bytes > long.MaxValue ? null : (long)bytes;
    }

    /// <summary>Bytes as the API server prints a binary quantity: the largest exact binary suffix.</summary>
    public static string Format(long bytes)
    {
        foreach (var (suffix, shift) in new[] { ("Ti", 40), ("Gi", 30), ("Mi", 20), ("Ki", 10) })
        {
            if (bytes >= 1L << shift && bytes % (1L << shift) == 0) return $"{bytes >> shift}{suffix}";
        }
        return bytes.ToString(CultureInfo.InvariantCulture);
    }
}
