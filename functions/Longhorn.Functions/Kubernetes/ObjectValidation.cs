using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Longhorn.Functions.Cluster;
using Longhorn.Functions.ControlPlane;

namespace Longhorn.Functions.Kubernetes;

/// <summary>
/// What the API server checks before storing an object: kind and apiVersion match the endpoint, the name is a DNS
/// subdomain, and for Longhorn kinds the strict decoder's rule (no unknown fields) and the CRD schema's types and enums.
/// </summary>
public static partial class ObjectValidation
{
    private const string SubdomainMessage =
        "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')";

    private static readonly HashSet<string> MetadataFields =
    [
        "name", "generateName", "namespace", "uid", "resourceVersion", "generation", "creationTimestamp", "deletionTimestamp",
        "deletionGracePeriodSeconds", "labels", "annotations", "ownerReferences", "finalizers", "managedFields", "selfLink",
    ];

    /// <summary>Checks the body's apiVersion and kind against the endpoint's (a missing one is filled in).</summary>
    public static void CheckTypeMeta(JsonObject item, ApiKind kind, string version)
    {
        var apiVersion = (string?)item["apiVersion"];
        var itemKind = (string?)item["kind"];
        var expected = kind.Group.Length == 0 ? version : $"{kind.Group}/{version}";
        if (itemKind is { Length: > 0 } && itemKind != kind.Kind)
            throw ApiStatusException.BadRequest(
                $"{itemKind} in version \"{version}\" cannot be handled as a {kind.Kind}: the kind in the data ({itemKind}) does not match the expected kind ({kind.Kind})");
        if (apiVersion is { Length: > 0 } && apiVersion != expected)
            throw ApiStatusException.BadRequest($"the API version in the data ({apiVersion}) does not match the expected API version ({expected})");
        item["apiVersion"] = kind.ApiVersion;
        item["kind"] = kind.Kind;
    }

    /// <summary>Unknown fields for a strict decode, as <c>.spec.foo</c> paths (Longhorn kinds: their CRD schema; metadata: ObjectMeta's fields).</summary>
    public static List<string> UnknownFields(JsonObject item, ApiKind kind)
    {
        var unknown = new List<string>();
        if (item["metadata"] is JsonObject metadata)
        {
            foreach (var (key, _) in metadata)
                if (!MetadataFields.Contains(key)) unknown.Add($"metadata.{key}");
        }
        if (!kind.IsLonghorn) return unknown;
        foreach (var (key, value) in item)
        {
            if (key is "apiVersion" or "kind" or "metadata") continue;
            if (!kind.Schema.Properties.TryGetValue(key, out var schema)) unknown.Add(key);
            else Walk(value, schema, key, unknown);
        }
        return unknown;
    }

    /// <summary>Name, type and enum errors, as field/message pairs for a 422.</summary>
    public static List<(string Field, string Message)> Errors(JsonObject item, ApiKind kind, bool creating)
    {
        var errors = new List<(string, string)>();
        var name = ObjectStore.Meta(item, "name") ?? "";
        var generateName = ObjectStore.Meta(item, "generateName") ?? "";
        if (name.Length == 0 && !(creating && generateName.Length > 0))
            errors.Add(("metadata.name", "Required value: name or generateName is required"));
        else if (name.Length > 0 && !ResourceNames.IsDnsSubdomain(name))
            errors.Add(("metadata.name", $"Invalid value: \"{name}\": {SubdomainMessage}"));
        if (!kind.IsLonghorn) return errors;
        foreach (var (key, value) in item)
        {
            if (kind.Schema.Properties.TryGetValue(key, out var schema)) CheckTypes(value, schema, key, errors);
        }
        return errors;
    }

    private static void Walk(JsonNode? node, Schema schema, string path, List<string> unknown)
    {
        switch (schema)
        {
            case ObjectSchema objectSchema when node is JsonObject obj:
                foreach (var (key, value) in obj)
                {
                    if (!objectSchema.Properties.TryGetValue(key, out var inner)) unknown.Add($"{path}.{key}");
                    else Walk(value, inner, $"{path}.{key}", unknown);
                }
                break;
            case MapSchema map when node is JsonObject obj:
                foreach (var (key, value) in obj) Walk(value, map.Values, $"{path}.{key}", unknown);
                break;
            case ArraySchema array when node is JsonArray list:
                for (var i = 0; i < list.Count; i++) Walk(list[i], array.Items, $"{path}[{i}]", unknown);
                break;
        }
    }

    private static void CheckTypes(JsonNode? node, Schema schema, string path, List<(string, string)> errors)
    {
        if (node is null) return;
        switch (schema)
        {
            case ObjectSchema objectSchema:
                if (node is not JsonObject obj)
                {
                    errors.Add((path, $"Invalid value: \"{Kind(node)}\": {path} in body must be of type object: \"{Kind(node)}\""));
                    return;
                }
                foreach (var (key, value) in obj)
                    if (objectSchema.Properties.TryGetValue(key, out var inner)) CheckTypes(value, inner, $"{path}.{key}", errors);
                break;
            case MapSchema map:
                if (node is not JsonObject entries)
                {
                    errors.Add((path, $"Invalid value: \"{Kind(node)}\": {path} in body must be of type object: \"{Kind(node)}\""));
                    return;
                }
                foreach (var (key, value) in entries) CheckTypes(value, map.Values, $"{path}.{key}", errors);
                break;
            case ArraySchema array:
                if (node is not JsonArray list)
                {
                    errors.Add((path, $"Invalid value: \"{Kind(node)}\": {path} in body must be of type array: \"{Kind(node)}\""));
                    return;
                }
                for (var i = 0; i < list.Count; i++) CheckTypes(list[i], array.Items, $"{path}[{i}]", errors);
                break;
            case ScalarSchema scalar:
                var kind = node.GetValueKind();
                var ok = scalar.IntOrString ? kind is JsonValueKind.Number or JsonValueKind.String : scalar.Type switch
                {
                    "string" => kind == JsonValueKind.String,
                    "integer" => kind == JsonValueKind.Number && node.AsValue().TryGetValue<long>(out _),
                    "number" => kind == JsonValueKind.Number,
                    "boolean" => kind is JsonValueKind.True or JsonValueKind.False,
                    _ => true,
                };
                if (!ok)
                {
                    errors.Add((path, $"Invalid value: \"{Kind(node)}\": {path} in body must be of type {scalar.Type}: \"{Kind(node)}\""));
                    return;
                }
                if (scalar.Enum.Count > 0 && kind == JsonValueKind.String && (string?)node is { } text && !scalar.Enum.Contains(text))
                    errors.Add((path, $"Unsupported value: \"{text}\": supported values: {string.Join(", ", scalar.Enum.Select(e => $"\"{e}\""))}"));
                break;
        }
    }

    private static string Kind(JsonNode node) => node.GetValueKind() switch
    {
        JsonValueKind.Object => "object",
        JsonValueKind.Array => "array",
        JsonValueKind.String => "string",
        JsonValueKind.Number => "number",
        JsonValueKind.True or JsonValueKind.False => "boolean",
        _ => "null",
    };
}
