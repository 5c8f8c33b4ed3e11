using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Longhorn.Functions.Resources;

/// <summary>
/// Whole seconds stored as a Go duration string (<c>5m0s</c>), as Longhorn's <c>metav1.Duration</c> fields serialize;
/// reads a duration string or a plain number of seconds (objects written before durations were strings).
/// </summary>
public sealed class GoDurationSecondsConverter : JsonConverter<long>
{
    public override long Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) => reader.TokenType switch
    {
        JsonTokenType.Number => reader.GetInt64(),
        JsonTokenType.String => Parse(reader.GetString() ?? ""),
        _ => throw new JsonException("a duration must be a string such as 5m0s or a number of seconds"),
    };

    public override void Write(Utf8JsonWriter writer, long value, JsonSerializerOptions options) => writer.WriteStringValue(Format(value));

    public static string Format(long seconds)
    {
        if (seconds == 0) return "0s";
        var text = new StringBuilder();
        if (seconds < 0)
        {
            text.Append('-');
            seconds = -seconds;
        }
        if (seconds >= 3600) text.Append(CultureInfo.InvariantCulture, $"{seconds / 3600}h");
        if (seconds >= 60) text.Append(CultureInfo.InvariantCulture, $"{seconds % 3600 / 60}m");
        text.Append(CultureInfo.InvariantCulture, $"{seconds % 60}s");
        return text.ToString();
    }

    public static long Parse(string text)
    {
        if (long.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var plain)) return plain;
        double total = 0;
        var i = 0;
        var negative = text.StartsWith('-');
        if (negative) i++;
        while (i < text.Length)
        {
            var start = i;
            while (i < text.Length && (char.IsAsciiDigit(text[i]) || text[i] == '.')) i++;
            if (start == i) throw new JsonException($"invalid duration {text}");
            var number = double.Parse(text[start..i], CultureInfo.InvariantCulture);
            var unitStart = i;
            while (i < text.Length && !char.IsAsciiDigit(text[i])) i++;
            total += text[unitStart..i] switch
            {
                "h" => number * 3600,
                "m" => number * 60,
                "s" => number,
                "ms" => number / 1000,
                "us" or "µs" => number / 1e6,
                "ns" => number / 1e9,
                _ => throw new JsonException($"invalid duration {text}"),
            };
        }
        return (long)(negative ? -total : total);
    }
}
