using System.Globalization;
using System.Text;
using System.Text.Json;

namespace Longhorn.Simulator.Replicas;

/// <summary>
/// What Longhorn's metadata files need of Go's encoding/json: the exact bytes json.Encoder writes, and a reader
/// as forgiving as json.Decoder (case-insensitive keys, unknown keys ignored, missing or null keys left at zero).
/// </summary>
internal static class GoJson
{
    private const string HexDigits = "0123456789abcdef";

    public static void AppendName(StringBuilder json, string name) => AppendString(json, name).Append(':');

    /// <summary>Appends a quoted string escaped as Go does by default, HTML-safe: &lt; &gt; &amp; become \u003c etc.</summary>
    public static StringBuilder AppendString(StringBuilder json, string value)
    {
        json.Append('"');
        for (var i = 0; i < value.Length; i++)
        {
            var c = value[i];
            switch (c)
            {
                case '"': json.Append("\\\""); break;
                case '\\': json.Append("\\\\"); break;
                case '\b': json.Append("\\b"); break;
                case '\f': json.Append("\\f"); break;
                case '\n': json.Append("\\n"); break;
                case '\r': json.Append("\\r"); break;
                case '\t': json.Append("\\t"); break;
                case '<' or '>' or '&' or < ' ' or '\u2028' or '\u2029':
                    AppendUnicodeEscape(json, c);
                    break;
                default:
                    if (char.IsHighSurrogate(c) && i + 1 < value.Length && char.IsLowSurrogate(value[i + 1]))
                    {
                        json.Append(c).Append(value[++i]);
                    }
                    else if (char.IsSurrogate(c))
                    {
                        json.Append("\\ufffd"); // Go replaces invalid UTF-8 the same way
                    }
                    else
                    {
                        json.Append(c);
                    }

                    break;
            }
        }

        return json.Append('"');
    }

    public static StringBuilder AppendBool(StringBuilder json, bool value) => json.Append(value ? "true" : "false");

    public static StringBuilder AppendInt(StringBuilder json, long value) => json.Append(value.ToString(CultureInfo.InvariantCulture));

    /// <summary>A string map as Go encodes map[string]string: null when empty, else keys sorted by their UTF-8 bytes.</summary>
    public static StringBuilder AppendStringMap(StringBuilder json, IReadOnlyDictionary<string, string>? map)
    {
        if (map is null || map.Count == 0)
        {
            return json.Append("null");
        }

        json.Append('{');
        var first = true;
        foreach (var key in map.Keys.OrderBy(key => key, Utf8Order.Instance))
        {
            if (!first)
            {
                json.Append(',');
            }

            first = false;
            AppendName(json, key);
            AppendString(json, map[key]);
        }

        return json.Append('}');
    }

    /// <summary>The encoder's final newline, then UTF-8.</summary>
    public static byte[] Finish(StringBuilder json) => Encoding.UTF8.GetBytes(json.Append('\n').ToString());

    /// <summary>
    /// Reads the first JSON value (json.Decoder ignores what follows it), which must be an object, and hands each
    /// member to <paramref name="member"/> in order, so a later duplicate wins as in Go.
    /// </summary>
    public static void ReadObject(ReadOnlySpan<byte> utf8, string what, Action<string, JsonElement> member)
    {
        try
        {
            var reader = new Utf8JsonReader(utf8, new JsonReaderOptions { AllowMultipleValues = true });
            using var document = JsonDocument.ParseValue(ref reader);
            if (document.RootElement.ValueKind != JsonValueKind.Object)
            {
                throw new InvalidDataException($"{what}: expected a JSON object");
            }

            foreach (var property in document.RootElement.EnumerateObject())
            {
                member(property.Name, property.Value);
            }
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"{what}: {e.Message}", e);
        }
    }

    public static bool Is(string key, string field) => string.Equals(key, field, StringComparison.OrdinalIgnoreCase);

    public static string String(JsonElement value, string current, string what) => value.ValueKind switch
    {
        JsonValueKind.String => value.GetString()!,
        JsonValueKind.Null => current,
        _ => throw new InvalidDataException($"{what}: expected a string"),
    };

    public static bool Bool(JsonElement value, bool current, string what) => value.ValueKind switch
    {
        JsonValueKind.True => true,
        JsonValueKind.False => false,
        JsonValueKind.Null => current,
        _ => throw new InvalidDataException($"{what}: expected true or false"),
    };

    public static long Int(JsonElement value, long current, string what) => value.ValueKind switch
    {
        JsonValueKind.Number when value.TryGetInt64(out var number) => number,
        JsonValueKind.Null => current,
        _ => throw new InvalidDataException($"{what}: expected an integer"),
    };

    public static IReadOnlyDictionary<string, string>? StringMap(JsonElement value, string what)
    {
        if (value.ValueKind == JsonValueKind.Null)
        {
            return null;
        }

        if (value.ValueKind != JsonValueKind.Object)
        {
            throw new InvalidDataException($"{what}: expected an object");
        }

        var map = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var entry in value.EnumerateObject())
        {
            map[entry.Name] = String(entry.Value, "", what);
        }

        return map;
    }

    private static void AppendUnicodeEscape(StringBuilder json, char c) =>
        json.Append("\\u")
            .Append(HexDigits[(c >> 12) & 0xF])
            .Append(HexDigits[(c >> 8) & 0xF])
            .Append(HexDigits[(c >> 4) & 0xF])
            .Append(HexDigits[c & 0xF]);

    /// <summary>Go sorts map keys by bytes; for UTF-16 strings that differs from ordinal order above U+D7FF.</summary>
    private sealed class Utf8Order : IComparer<string>
    {
        public static readonly Utf8Order Instance = new();

        public int Compare(string? x, string? y) =>
            Encoding.UTF8.GetBytes(x ?? "").AsSpan().SequenceCompareTo(Encoding.UTF8.GetBytes(y ?? ""));
    }
}
