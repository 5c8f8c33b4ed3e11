using System.Text.Json.Nodes;

namespace Longhorn.Functions.Cluster;

/// <summary>A structural schema, the subset of OpenAPI v3 that CRDs use: what the strict decoder and kubectl explain read.</summary>
public abstract record Schema
{
    public string Description { get; init; } = "";

    /// <summary>The OpenAPI v3 form of the schema.</summary>
    public abstract JsonObject ToOpenApi();

    protected JsonObject WithDescription(JsonObject node)
    {
        if (Description.Length > 0) node["description"] = Description;
        return node;
    }

    public static ScalarSchema Str(params string[] allowed) => new("string") { Enum = allowed };
    public static ScalarSchema Int => new("integer", "int64");
    public static ScalarSchema Bool => new("boolean");
    public static ScalarSchema Number => new("number");
    public static ScalarSchema Time => new("string", "date-time");
    public static MapSchema StrMap => new(new ScalarSchema("string"));
    public static ArraySchema StrList => new(new ScalarSchema("string"));
    public static ObjectSchema Obj(params (string Name, Schema Schema)[] properties) => new(properties.ToDictionary(p => p.Name, p => p.Schema));

    /// <summary>Anything goes (built-in kinds whose insides the host does not model).</summary>
    public static FreeSchema Free => new();
}

public sealed record ScalarSchema(string Type, string Format = "") : Schema
{
    public IReadOnlyList<string> Enum { get; init; } = [];

    /// <summary>Accepts a number also as a string (Kubernetes int-or-string and quantity fields).</summary>
    public bool IntOrString { get; init; }

    public override JsonObject ToOpenApi()
    {
        var node = IntOrString ? new JsonObject { ["x-kubernetes-int-or-string"] = true } : new JsonObject { ["type"] = Type };
        if (Format.Length > 0) node["format"] = Format;
        if (Enum.Count > 0) node["enum"] = new JsonArray(Enum.Select(e => (JsonNode?)JsonValue.Create(e)).ToArray());
        return WithDescription(node);
    }
}

public sealed record ObjectSchema(IReadOnlyDictionary<string, Schema> Properties) : Schema
{
    public ObjectSchema With(params (string Name, Schema Schema)[] more) =>
        this with { Properties = new Dictionary<string, Schema>(Properties.Concat(more.Select(m => KeyValuePair.Create(m.Name, m.Schema)))) };

    public override JsonObject ToOpenApi()
    {
        var properties = new JsonObject();
        foreach (var (name, schema) in Properties) properties[name] = schema.ToOpenApi();
        return WithDescription(new JsonObject { ["type"] = "object", ["properties"] = properties });
    }
}

public sealed record MapSchema(Schema Values) : Schema
{
    public override JsonObject ToOpenApi() => WithDescription(new JsonObject { ["type"] = "object", ["additionalProperties"] = Values.ToOpenApi() });
}

public sealed record ArraySchema(Schema Items) : Schema
{
    public override JsonObject ToOpenApi() => WithDescription(new JsonObject { ["type"] = "array", ["items"] = Items.ToOpenApi() });
}

public sealed record FreeSchema : Schema
{
    public override JsonObject ToOpenApi() => WithDescription(new JsonObject { ["type"] = "object", ["x-kubernetes-preserve-unknown-fields"] = true });
}
