using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using Longhorn.Functions.Cluster;

namespace Longhorn.Functions.Kubernetes;

/// <summary>What clients learn before they act: version, API groups and versions, resource lists, and OpenAPI v3 documents.</summary>
public static class Discovery
{
    public static JsonObject Version() => new()
    {
        ["major"] = "1",
        ["minor"] = "32",
        ["gitVersion"] = "v1.32.0+longhorn-functions",
        ["gitCommit"] = "",
        ["gitTreeState"] = "clean",
        ["buildDate"] = "2026-11-30T00:00:00Z",
        ["goVersion"] = "",
        ["compiler"] = "dotnet",
        ["platform"] = "linux/amd64",
    };

    public static JsonObject CoreVersions(string serverAddress) => new()
    {
        ["kind"] = "APIVersions",
        ["versions"] = new JsonArray("v1"),
        ["serverAddressByClientCIDRs"] = new JsonArray(new JsonObject { ["clientCIDR"] = "0.0.0.0/0", ["serverAddress"] = serverAddress }),
    };

    private static IEnumerable<IGrouping<string, ApiKind>> Groups => ApiKinds.All.Where(k => k.Group.Length > 0).GroupBy(k => k.Group);

    public static JsonObject GroupList() => new()
    {
        ["kind"] = "APIGroupList",
        ["apiVersion"] = "v1",
        ["groups"] = new JsonArray(Groups.Select(g => (JsonNode?)Group(g.Key)).ToArray()),
    };

    public static JsonObject? Group(string name)
    {
        var kinds = ApiKinds.All.Where(k => k.Group == name && name.Length > 0).ToList();
        if (kinds.Count == 0) return null;
        var versions = kinds.SelectMany(k => k.Versions).Distinct().ToList();
        JsonObject Version(string v) => new() { ["groupVersion"] = $"{name}/{v}", ["version"] = v };
        return new JsonObject
        {
            ["kind"] = "APIGroup",
            ["apiVersion"] = "v1",
            ["name"] = name,
            ["versions"] = new JsonArray(versions.Select(v => (JsonNode?)Version(v)).ToArray()),
            ["preferredVersion"] = Version(kinds[0].Version),
        };
    }

    public static JsonObject? Resources(string group, string version)
    {
        var kinds = ApiKinds.All.Where(k => k.Group == group && k.Versions.Contains(version)).ToList();
        if (kinds.Count == 0) return null;
        var resources = new JsonArray();
        foreach (var kind in kinds)
        {
            resources.Add(new JsonObject
            {
                ["name"] = kind.Plural,
                ["singularName"] = kind.Singular,
                ["namespaced"] = kind.Namespaced,
                ["kind"] = kind.Kind,
                ["verbs"] = new JsonArray("create", "delete", "deletecollection", "get", "list", "patch", "update", "watch"),
                ["shortNames"] = new JsonArray(kind.ShortNames.Select(s => (JsonNode?)JsonValue.Create(s)).ToArray()),
                ["storageVersionHash"] = Hash(kind.ApiVersion + kind.Kind)[..12],
            });
            if (kind.HasStatus)
            {
                resources.Add(new JsonObject
                {
                    ["name"] = kind.Plural + "/status",
                    ["singularName"] = "",
                    ["namespaced"] = kind.Namespaced,
                    ["kind"] = kind.Kind,
                    ["verbs"] = new JsonArray("get", "patch", "update"),
                });
            }
        }
        return new JsonObject
        {
            ["kind"] = "APIResourceList",
            ["apiVersion"] = "v1",
            ["groupVersion"] = group.Length == 0 ? version : $"{group}/{version}",
            ["resources"] = resources,
        };
    }

    /// <summary>
    /// The OpenAPI v2 document kubectl falls back to for client-side validation (of kinds the v3 documents do not know):
    /// an empty document, so unknown kinds reach kubectl's own "no matches for kind" answer. kubectl asks for it as
    /// gnostic protobuf only; this is that encoding of <c>{swagger: "2.0", info: {title, version}}</c>.
    /// </summary>
    public static byte[] OpenApiV2Protobuf()
    {
        static byte[] Field(int number, byte[] value) => [(byte)((number << 3) | 2), (byte)value.Length, .. value];
        var info = Field(1, Encoding.UTF8.GetBytes("Longhorn.Functions")).Concat(Field(2, Encoding.UTF8.GetBytes("v1.32.0"))).ToArray();
        return [.. Field(1, Encoding.UTF8.GetBytes("2.0")), .. Field(2, info)];
    }

    /// <summary>The OpenAPI v3 root: one document per group-version, addressed relative to the server (clients add their base path).</summary>
    public static JsonObject OpenApiRoot()
    {
        var paths = new JsonObject();
        foreach (var gv in GroupVersions())
        {
            var key = gv.Group.Length == 0 ? $"api/{gv.Version}" : $"apis/{gv.Group}/{gv.Version}";
            paths[key] = new JsonObject { ["serverRelativeURL"] = $"/openapi/v3/{key}?hash={Hash(OpenApi(gv.Group, gv.Version)!.ToJsonString())}" };
        }
        return new JsonObject { ["paths"] = paths };
    }

    private static IEnumerable<(string Group, string Version)> GroupVersions() =>
        ApiKinds.All.SelectMany(k => k.Versions.Select(v => (k.Group, v))).Distinct();

    /// <summary>
    /// One group-version's OpenAPI v3 document: every path with its operations, the <c>fieldValidation</c> parameter on
    /// PATCH (so kubectl validates on the server, strictly), and each kind's schema for <c>kubectl explain</c>.
    /// </summary>
    public static JsonObject? OpenApi(string group, string version)
    {
        var kinds = ApiKinds.All.Where(k => k.Group == group && k.Versions.Contains(version)).ToList();
        if (kinds.Count == 0) return null;
        var prefix = group.Length == 0 ? $"/api/{version}" : $"/apis/{group}/{version}";
        var paths = new JsonObject();
        var schemas = new JsonObject
        {
            ["io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta"] = ObjectMetaSchema(),
        };
        foreach (var kind in kinds)
        {
            var schemaName = SchemaName(kind, version);
            schemas[schemaName] = KindSchema(kind, version);
            var gvk = new JsonObject { ["group"] = group, ["version"] = version, ["kind"] = kind.Kind };
            var reference = new JsonObject { ["$ref"] = $"#/components/schemas/{schemaName}" };
            JsonObject Operation(string action, bool body)
            {
                var operation = new JsonObject
                {
                    ["operationId"] = $"{action}{kind.Kind}",
                    ["parameters"] = Parameters(action),
                    ["responses"] = new JsonObject { ["200"] = new JsonObject { ["description"] = "OK", ["content"] = new JsonObject { ["application/json"] = new JsonObject { ["schema"] = reference.DeepClone() } } } },
                    ["x-kubernetes-action"] = action,
                    ["x-kubernetes-group-version-kind"] = gvk.DeepClone(),
                };
                if (body) operation["requestBody"] = new JsonObject { ["content"] = new JsonObject { ["*/*"] = new JsonObject { ["schema"] = reference.DeepClone() } } };
                return operation;
            }
            var collection = kind.Namespaced ? $"{prefix}/namespaces/{{namespace}}/{kind.Plural}" : $"{prefix}/{kind.Plural}";
            paths[collection] = new JsonObject { ["get"] = Operation("list", false), ["post"] = Operation("post", true) };
            paths[collection + "/{name}"] = new JsonObject
            {
                ["get"] = Operation("get", false),
                ["put"] = Operation("put", true),
                ["patch"] = Operation("patch", true),
                ["delete"] = Operation("delete", false),
            };
            if (kind.HasStatus)
                paths[collection + "/{name}/status"] = new JsonObject { ["get"] = Operation("get", false), ["put"] = Operation("put", true), ["patch"] = Operation("patch", true) };
        }
        return new JsonObject
        {
            ["openapi"] = "3.0.0",
            ["info"] = new JsonObject { ["title"] = "Longhorn.Functions", ["version"] = "v1.32.0" },
            ["paths"] = paths,
            ["components"] = new JsonObject { ["schemas"] = schemas },
        };
    }

    private static JsonArray Parameters(string action)
    {
        var parameters = new JsonArray();
        if (action is "post" or "put" or "patch")
        {
            foreach (var name in new[] { "dryRun", "fieldManager", "fieldValidation" })
                parameters.Add(new JsonObject { ["name"] = name, ["in"] = "query", ["schema"] = new JsonObject { ["type"] = "string" } });
        }
        return parameters;
    }

    private static string SchemaName(ApiKind kind, string version) =>
        kind.IsLonghorn ? $"io.longhorn.{version}.{kind.Kind}" : $"{string.Join('.', (kind.Group.Length == 0 ? "core" : kind.Group).Split('.').Reverse())}.{version}.{kind.Kind}";

    private static JsonObject KindSchema(ApiKind kind, string version)
    {
        var properties = new JsonObject
        {
            ["apiVersion"] = new JsonObject { ["type"] = "string", ["description"] = "APIVersion defines the versioned schema of this representation of an object." },
            ["kind"] = new JsonObject { ["type"] = "string", ["description"] = "Kind is a string value representing the REST resource this object represents." },
            ["metadata"] = new JsonObject { ["$ref"] = "#/components/schemas/io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta" },
        };
        var schema = new JsonObject
        {
            ["type"] = "object",
            ["description"] = kind.IsLonghorn ? $"{kind.Kind} is where Longhorn stores {kind.Kind.ToLowerInvariant()} object." : $"{kind.Kind} ({kind.ApiVersion}).",
            ["properties"] = properties,
            ["x-kubernetes-group-version-kind"] = new JsonArray(new JsonObject { ["group"] = kind.Group, ["version"] = version, ["kind"] = kind.Kind }),
        };
        if (kind.IsLonghorn)
        {
            foreach (var (name, inner) in kind.Schema.Properties) properties[name] = inner.ToOpenApi();
        }
        else schema["x-kubernetes-preserve-unknown-fields"] = true;
        return schema;
    }

    private static JsonObject ObjectMetaSchema()
    {
        JsonObject Str(string description) => new() { ["type"] = "string", ["description"] = description };
        return new JsonObject
        {
            ["type"] = "object",
            ["description"] = "ObjectMeta is metadata that all persisted resources must have.",
            ["properties"] = new JsonObject
            {
                ["name"] = Str("Name must be unique within a namespace."),
                ["generateName"] = Str("A prefix the server uses to generate a unique name."),
                ["namespace"] = Str("The namespace of the object."),
                ["uid"] = Str("The unique id of the object."),
                ["resourceVersion"] = Str("An opaque value that changes on every write; used for optimistic concurrency and watches."),
                ["creationTimestamp"] = new JsonObject { ["type"] = "string", ["format"] = "date-time" },
                ["deletionTimestamp"] = new JsonObject { ["type"] = "string", ["format"] = "date-time" },
                ["labels"] = new JsonObject { ["type"] = "object", ["additionalProperties"] = new JsonObject { ["type"] = "string" } },
                ["annotations"] = new JsonObject { ["type"] = "object", ["additionalProperties"] = new JsonObject { ["type"] = "string" } },
                ["finalizers"] = new JsonObject { ["type"] = "array", ["items"] = new JsonObject { ["type"] = "string" } },
                ["ownerReferences"] = new JsonObject { ["type"] = "array", ["items"] = new JsonObject { ["type"] = "object", ["x-kubernetes-preserve-unknown-fields"] = true } },
            },
        };
    }

    private static string Hash(string text) => Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(text)));
}
