using System.Globalization;
using System.Text.Json;

namespace Longhorn.Engine.Format;

/// <summary>
/// Reads a JSON object as tolerantly as Go's decoder: keys match case-insensitively (the last one wins),
/// unknown keys are ignored, and missing keys or nulls read as zero values. Wrong types throw <see cref="FormatException"/>.
/// </summary>
internal sealed class GoJsonObject
{
    private readonly Dictionary<string, JsonElement> _fields = new(StringComparer.OrdinalIgnoreCase);

    public GoJsonObject(JsonElement element)
    {
        if (element.ValueKind != JsonValueKind.Object)
            throw new FormatException($"expected a JSON object, found {element.ValueKind}");
        foreach (var property in element.EnumerateObject())
            _fields[property.Name] = property.Value;
    }

    /// <summary>Reads the first JSON value (json.Decoder ignores what follows), which must be an object.</summary>
    public static T Parse<T>(ReadOnlySpan<byte> utf8, Func<GoJsonObject, T> read)
    {
        try
        {
            var reader = new Utf8JsonReader(utf8, new JsonReaderOptions { AllowMultipleValues = true });
            using var document = JsonDocument.ParseValue(ref reader);
            return read(new GoJsonObject(document.RootElement));
        }
        catch (JsonException e)
        {
            throw new FormatException($"malformed JSON: {e.Message}", e);
        }
    }

    public bool Has(string key) => _fields.TryGetValue(key, out var v) && v.ValueKind != JsonValueKind.Null;

    public string String(string key)
    {
        if (!_fields.TryGetValue(key, out var v) || v.ValueKind == JsonValueKind.Null) return "";
        if (v.ValueKind != JsonValueKind.String) throw WrongType(key, "a string", v);
        return v.GetString()!;
    }

    /// <summary>A Go <c>,string</c> string: <c>"\"x\""</c>. A plain <c>"x"</c> (which Go rejects) is read as x.</summary>
    public string DoubleEncodedString(string key)
    {
        var outer = String(key);
        if (outer.Length >= 2 && outer[0] == '"' && outer[^1] == '"')
        {
            try
            {
                return JsonSerializer.Deserialize<string>(outer) ?? "";
            }
            catch (JsonException e)
            {
                throw new FormatException($"field {key}: invalid double-encoded string {outer}", e);
            }
        }
        return outer;
    }

    /// <summary>A Go <c>,string</c> int64: decimal digits in a JSON string (a bare number is accepted too).</summary>
    public long QuotedInt64(string key)
    {
        if (!_fields.TryGetValue(key, out var v) || v.ValueKind == JsonValueKind.Null) return 0;
        if (v.ValueKind == JsonValueKind.Number && v.TryGetInt64(out var bare)) return bare;
        if (v.ValueKind == JsonValueKind.String
            && long.TryParse(v.GetString(), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var parsed))
            return parsed;
        throw WrongType(key, "an int64 in a string", v);
    }

    public long Int64(string key)
    {
        if (!_fields.TryGetValue(key, out var v) || v.ValueKind == JsonValueKind.Null) return 0;
        if (v.ValueKind == JsonValueKind.Number && v.TryGetInt64(out var n)) return n;
        throw WrongType(key, "an integer", v);
    }

    public bool Bool(string key)
    {
        if (!_fields.TryGetValue(key, out var v) || v.ValueKind == JsonValueKind.Null) return false;
        return v.ValueKind switch
        {
            JsonValueKind.True => true,
            JsonValueKind.False => false,
            _ => throw WrongType(key, "a boolean", v),
        };
    }

    public IReadOnlyDictionary<string, string>? StringMap(string key)
    {
        if (!_fields.TryGetValue(key, out var v) || v.ValueKind == JsonValueKind.Null) return null;
        if (v.ValueKind != JsonValueKind.Object) throw WrongType(key, "an object", v);
        var map = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var p in v.EnumerateObject())
        {
            if (p.Value.ValueKind != JsonValueKind.String) throw WrongType($"{key}.{p.Name}", "a string", p.Value);
            map[p.Name] = p.Value.GetString()!;
        }
        return map;
    }

    /// <summary>Whether the key holds a non-null object (Go's pointer-to-struct fields).</summary>
    public bool IsObject(string key) => _fields.TryGetValue(key, out var v) && v.ValueKind == JsonValueKind.Object;

    public GoJsonObject? Object(string key)
    {
        if (!_fields.TryGetValue(key, out var v) || v.ValueKind == JsonValueKind.Null) return null;
        if (v.ValueKind != JsonValueKind.Object) throw WrongType(key, "an object", v);
        return new GoJsonObject(v);
    }

    public IReadOnlyList<T> Array<T>(string key, Func<GoJsonObject, T> readItem)
    {
        if (!_fields.TryGetValue(key, out var v) || v.ValueKind == JsonValueKind.Null) return [];
        if (v.ValueKind != JsonValueKind.Array) throw WrongType(key, "an array", v);
        var items = new List<T>(v.GetArrayLength());
        foreach (var item in v.EnumerateArray())
        {
            try
            {
                items.Add(readItem(new GoJsonObject(item)));
            }
            catch (FormatException e)
            {
                throw new FormatException($"{key}[{items.Count}]: {e.Message}", e);
            }
        }
        return items;
    }

    private static FormatException WrongType(string key, string expected, JsonElement found) =>
        new($"field {key}: expected {expected}, found {found.ValueKind} {Shorten(found.GetRawText())}");

    private static string Shorten(string raw) => raw.Length <= 40 ? raw : raw[..40] + "...";
}
