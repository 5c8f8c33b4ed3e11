using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Longhorn.Functions.Cluster;

namespace Longhorn.Functions.Kubernetes;

/// <summary>Server-side printing: the <c>Table</c> kubectl get asks for, with the kind's printer columns (dates as ages, as the API server prints CRDs).</summary>
public static class Tables
{
    public static bool Wanted(HttpRequest request) =>
        request.Headers.Accept.ToString().Contains("as=Table", StringComparison.Ordinal);

    public static JsonObject Of(ApiKind kind, IEnumerable<JsonObject> items, DateTimeOffset now, string? resourceVersion = null, string? next = null, bool withColumns = true)
    {
        var columns = new JsonArray { Column(new PrinterColumn("Name", "string", ".metadata.name", "name", 0, "Name must be unique within a namespace.")) };
        foreach (var column in kind.Columns) columns.Add(Column(column));
        var metadata = new JsonObject();
        if (resourceVersion is not null) metadata["resourceVersion"] = resourceVersion;
        if (next is not null) metadata["continue"] = next;
        var table = new JsonObject { ["kind"] = "Table", ["apiVersion"] = "meta.k8s.io/v1", ["metadata"] = metadata };
        if (withColumns) table["columnDefinitions"] = columns;
        table["rows"] = new JsonArray(items.Select(i => (JsonNode?)Row(kind, i, now)).ToArray());
        return table;
    }

    private static JsonObject Column(PrinterColumn column) => new()
    {
        ["name"] = column.Name,
        ["type"] = column.Type == "date" ? "string" : column.Type,
        ["format"] = column.Format,
        ["description"] = column.Description,
        ["priority"] = column.Priority,
    };

    private static JsonObject Row(ApiKind kind, JsonObject item, DateTimeOffset now)
    {
        var cells = new JsonArray { ObjectStore.Meta(item, "name") };
        foreach (var column in kind.Columns) cells.Add(Cell(item, column, now));
        var metadata = item["metadata"]?.DeepClone() ?? new JsonObject();
        return new JsonObject
        {
            ["cells"] = cells,
            ["object"] = new JsonObject { ["kind"] = "PartialObjectMetadata", ["apiVersion"] = "meta.k8s.io/v1", ["metadata"] = metadata },
        };
    }

    private static JsonNode? Cell(JsonObject item, PrinterColumn column, DateTimeOffset now)
    {
        JsonNode? node = item;
        foreach (var part in column.JsonPath.Split('.', StringSplitOptions.RemoveEmptyEntries)) node = node is JsonObject o ? o[part] : null;
        if (node is null) return null;
        if (column.Type == "date")
            return node is JsonValue v && v.TryGetValue<string>(out var text) && DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var time)
                ? Age(now - time)
                : null;
        return node.GetValueKind() switch
        {
            JsonValueKind.String or JsonValueKind.Number or JsonValueKind.True or JsonValueKind.False => node.DeepClone(),
            JsonValueKind.Object => string.Join(",", node.AsObject().Select(p => $"{p.Key}={p.Value?.ToString()}")) is { Length: > 0 } joined ? joined : null,
            JsonValueKind.Array => string.Join(",", node.AsArray().Select(e => e?.ToString())) is { Length: > 0 } joined ? joined : null,
            _ => null,
        };
    }

    /// <summary>kubectl's human duration: 45s, 12m, 3h4m, 5d, 2y.</summary>
    public static string Age(TimeSpan age)
    {
        if (age < TimeSpan.Zero) age = TimeSpan.Zero;
        if (age.TotalSeconds < 120) return $"{(int)age.TotalSeconds}s";
        if (age.TotalMinutes < 10) return $"{(int)age.TotalMinutes}m{age.Seconds}s" is var ms && age.Seconds == 0 ? $"{(int)age.TotalMinutes}m" : ms;
        if (age.TotalHours < 3) return $"{(int)age.TotalMinutes}m";
        if (age.TotalHours < 8) return age.Minutes == 0 ? $"{(int)age.TotalHours}h" : $"{(int)age.TotalHours}h{age.Minutes}m";
        if (age.TotalHours < 48) return $"{(int)age.TotalHours}h";
        if (age.TotalDays < 8) return age.Hours == 0 ? $"{(int)age.TotalDays}d" : $"{(int)age.TotalDays}d{age.Hours}h";
        if (age.TotalDays < 365 * 2) return $"{(int)age.TotalDays}d";
        return $"{(int)(age.TotalDays / 365)}y";
    }
}
