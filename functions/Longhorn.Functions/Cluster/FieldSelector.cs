using System.Text.Json.Nodes;

namespace Longhorn.Functions.Cluster;

/// <summary>A field selector: <c>metadata.name=x</c>, <c>status.phase!=Bound</c>, joined by commas; fields are JSON paths.</summary>
public sealed record FieldSelector(IReadOnlyList<(string Path, bool Equal, string Value)> Terms)
{
    public static FieldSelector Parse(string text)
    {
        var terms = new List<(string, bool, string)>();
        foreach (var raw in text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var notEqual = raw.Contains("!=", StringComparison.Ordinal);
            var parts = raw.Split(notEqual ? "!=" : raw.Contains("==", StringComparison.Ordinal) ? "==" : "=", 2);
            if (parts.Length != 2 || parts[0].Trim().Length == 0) throw new FormatException($"invalid field selector term '{raw}'");
            terms.Add((parts[0].Trim(), !notEqual, parts[1].Trim()));
        }
        return new FieldSelector(terms);
    }

    public bool Matches(JsonObject item) => Terms.All(t => (ValueAt(item, t.Path) == t.Value) == t.Equal);

    public static string ValueAt(JsonNode? node, string path)
    {
        foreach (var part in path.Split('.', StringSplitOptions.RemoveEmptyEntries)) node = node is JsonObject o ? o[part] : null;
        return node switch
        {
            null => "",
            JsonValue value when value.TryGetValue<string>(out var text) => text,
            _ => node.ToJsonString(),
        };
    }
}
