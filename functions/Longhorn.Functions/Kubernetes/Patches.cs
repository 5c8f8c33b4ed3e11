using System.Globalization;
using System.Text.Json.Nodes;

namespace Longhorn.Functions.Kubernetes;

/// <summary>The three patch formats the API server takes: JSON merge patch (RFC 7386), JSON patch (RFC 6902) and strategic merge patch.</summary>
public static class Patches
{
    public const string Merge = "application/merge-patch+json";
    public const string Json = "application/json-patch+json";
    public const string Strategic = "application/strategic-merge-patch+json";

    public static JsonObject Apply(JsonObject target, string contentType, string body)
    {
        JsonNode? patch;
        try
        {
            patch = JsonNode.Parse(body);
        }
        catch (System.Text.Json.JsonException e)
        {
            throw ApiStatusException.BadRequest($"error decoding patch: {e.Message}");
        }
        return contentType switch
        {
            Merge => MergePatch(target, patch) as JsonObject ?? throw ApiStatusException.BadRequest("the patch must leave an object"),
            Strategic => StrategicMerge(target, patch as JsonObject ?? throw ApiStatusException.BadRequest("a strategic merge patch must be an object")),
            Json => JsonPatch(target, patch as JsonArray ?? throw ApiStatusException.BadRequest("a JSON patch must be an array of operations")),
            _ => throw ApiStatusException.UnsupportedMediaType(contentType),
        };
    }

    /// <summary>RFC 7386: objects merge key by key, null removes, everything else replaces.</summary>
    public static JsonNode? MergePatch(JsonNode? target, JsonNode? patch)
    {
        if (patch is not JsonObject patchObject) return patch?.DeepClone();
        var result = target as JsonObject ?? new JsonObject();
        foreach (var (key, value) in patchObject)
        {
            if (value is null) result.Remove(key);
            else result[key] = MergePatch(result[key]?.DeepClone(), value);
        }
        return result;
    }

    /// <summary>
    /// Strategic merge patch as kubectl sends it for built-in kinds: a merge patch whose directives (<c>$patch</c>,
    /// <c>$retainKeys</c>, <c>$setElementOrder/…</c>, <c>$deleteFromPrimitiveList/…</c>) are honoured, and whose lists of
    /// objects with a <c>name</c> merge by name; other lists replace, except finalizers, which merge as a set.
    /// </summary>
    public static JsonObject StrategicMerge(JsonObject target, JsonObject patch)
    {
        if ((string?)patch["$patch"] == "replace")
        {
            var replacement = (JsonObject)patch.DeepClone();
            replacement.Remove("$patch");
            return replacement;
        }
        var retain = patch["$retainKeys"] as JsonArray;
        foreach (var (key, value) in patch.ToList())
        {
            if (key.StartsWith("$setElementOrder/", StringComparison.Ordinal) || key is "$retainKeys" or "$patch") continue;
            if (key.StartsWith("$deleteFromPrimitiveList/", StringComparison.Ordinal))
            {
                var field = key["$deleteFromPrimitiveList/".Length..];
                if (target[field] is JsonArray list && value is JsonArray gone)
                {
                    var remove = gone.Select(g => g?.ToJsonString()).ToHashSet();
                    foreach (var item in list.Where(i => remove.Contains(i?.ToJsonString())).ToList()) list.Remove(item);
                }
                continue;
            }
            if (value is null) target.Remove(key);
            else if (value is JsonObject inner && (string?)inner["$patch"] == "delete") target.Remove(key);
            else if (value is JsonObject innerObject && target[key] is JsonObject existing) StrategicMerge(existing, innerObject);
            else if (value is JsonArray list && target[key] is JsonArray current) target[key] = MergeList(key, current, list);
            else target[key] = Clean(value.DeepClone());
        }
        if (retain is not null)
        {
            var keep = retain.Select(k => (string?)k).ToHashSet();
            foreach (var key in target.Select(p => p.Key).ToList())
                if (!keep.Contains(key)) target.Remove(key);
        }
        return target;
    }

    private static JsonArray MergeList(string key, JsonArray current, JsonArray patch)
    {
        if (key == "finalizers")
        {
            var union = current.Select(c => (string?)c).Concat(patch.Select(p => (string?)p)).Distinct().ToList();
            return new JsonArray(union.Select(u => (JsonNode?)JsonValue.Create(u)).ToArray());
        }
        if (patch.All(p => p is JsonObject o && o["name"] is not null) && current.All(c => c is JsonObject o && o["name"] is not null))
        {
            var merged = current.Select(c => c!.DeepClone().AsObject()).ToList();
            foreach (var item in patch.Cast<JsonObject>())
            {
                var name = (string?)item["name"];
                var existing = merged.FirstOrDefault(m => (string?)m["name"] == name);
                if ((string?)item["$patch"] == "delete")
                {
                    if (existing is not null) merged.Remove(existing);
                }
                else if (existing is not null) StrategicMerge(existing, (JsonObject)item.DeepClone());
                else merged.Add((JsonObject)Clean(item.DeepClone())!);
            }
            return new JsonArray(merged.Select(m => (JsonNode?)m).ToArray());
        }
        return (JsonArray)Clean(patch.DeepClone())!;
    }

    private static JsonNode? Clean(JsonNode? node)
    {
        if (node is JsonObject obj)
        {
            foreach (var key in obj.Select(p => p.Key).Where(k => k.StartsWith('$')).ToList()) obj.Remove(key);
            foreach (var (_, value) in obj) Clean(value);
        }
        else if (node is JsonArray array)
        {
            foreach (var item in array) Clean(item);
        }
        return node;
    }

    /// <summary>RFC 6902 operations on a copy; a failed <c>test</c> or a missing path rejects the whole patch.</summary>
    public static JsonObject JsonPatch(JsonObject target, JsonArray operations)
    {
        JsonNode document = target.DeepClone();
        foreach (var operation in operations.OfType<JsonObject>())
        {
            var op = (string?)operation["op"] ?? throw ApiStatusException.BadRequest("a JSON patch operation has no op");
            var path = (string?)operation["path"] ?? throw ApiStatusException.BadRequest($"the {op} operation has no path");
            switch (op)
            {
                case "add": Add(document, path, operation["value"]?.DeepClone()); break;
                case "remove": Remove(document, path); break;
                case "replace":
                    Remove(document, path);
                    Add(document, path, operation["value"]?.DeepClone());
                    break;
                case "move":
                {
                    var from = (string?)operation["from"] ?? throw ApiStatusException.BadRequest("move needs from");
                    var value = Get(document, from)?.DeepClone();
                    Remove(document, from);
                    Add(document, path, value);
                    break;
                }
                case "copy":
                    Add(document, path, Get(document, (string?)operation["from"] ?? throw ApiStatusException.BadRequest("copy needs from"))?.DeepClone());
                    break;
                case "test":
                    if (Get(document, path)?.ToJsonString() != operation["value"]?.ToJsonString())
                        throw new ApiStatusException(422, "Invalid", $"the test operation at {path} failed");
                    break;
                default: throw ApiStatusException.BadRequest($"unknown JSON patch operation {op}");
            }
        }
        return document as JsonObject ?? throw ApiStatusException.BadRequest("the patch must leave an object");
    }

    private static string[] Tokens(string path) => path.Length == 0 ? [] :
        path.TrimStart('/').Split('/').Select(t => t.Replace("~1", "/", StringComparison.Ordinal).Replace("~0", "~", StringComparison.Ordinal)).ToArray();

    private static JsonNode? Get(JsonNode document, string path)
    {
        JsonNode? node = document;
        foreach (var token in Tokens(path))
        {
            node = node switch
            {
                JsonObject o when o.ContainsKey(token) => o[token],
                JsonArray a when int.TryParse(token, NumberStyles.None, CultureInfo.InvariantCulture, out var i) && i < a.Count => a[i],
                _ => throw new ApiStatusException(422, "Invalid", $"the path {path} does not exist"),
            };
        }
        return node;
    }

    private static (JsonNode Parent, string Last) Parent(JsonNode document, string path)
    {
        var tokens = Tokens(path);
        if (tokens.Length == 0) throw ApiStatusException.BadRequest("the root cannot be patched");
        var parent = Get(document, "/" + string.Join('/', tokens[..^1].Select(t => t.Replace("~", "~0", StringComparison.Ordinal).Replace("/", "~1", StringComparison.Ordinal))));
        return (parent ?? throw new ApiStatusException(422, "Invalid", $"the parent of {path} does not exist"), tokens[^1]);
    }

    private static void Add(JsonNode document, string path, JsonNode? value)
    {
        var (parent, last) = Parent(document, path);
        if (parent is JsonObject obj) obj[last] = value;
        else if (parent is JsonArray array)
        {
            if (last == "-") array.Add(value);
            else if (int.TryParse(last, NumberStyles.None, CultureInfo.InvariantCulture, out var i) && i <= array.Count) array.Insert(i, value);
            else throw new ApiStatusException(422, "Invalid", $"the index in {path} is out of range");
        }
    }

    private static void Remove(JsonNode document, string path)
    {
        var (parent, last) = Parent(document, path);
        if (parent is JsonObject obj && obj.ContainsKey(last)) obj.Remove(last);
        else if (parent is JsonArray array && int.TryParse(last, NumberStyles.None, CultureInfo.InvariantCulture, out var i) && i < array.Count) array.RemoveAt(i);
        else throw new ApiStatusException(422, "Invalid", $"the path {path} does not exist");
    }
}
