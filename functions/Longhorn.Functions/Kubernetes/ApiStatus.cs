using System.Text.Json.Nodes;
using Longhorn.Functions.Cluster;

namespace Longhorn.Functions.Kubernetes;

/// <summary>A failed API call, answered as the API server does: a <c>Status</c> with reason, message and code.</summary>
public sealed class ApiStatusException(int code, string reason, string message, JsonObject? details = null) : Exception(message)
{
    public int Code { get; } = code;
    public string Reason { get; } = reason;
    public JsonObject? Details { get; } = details;

    public static ApiStatusException BadRequest(string message) => new(400, "BadRequest", message);

    public static ApiStatusException NotFound(string message) => new(404, "NotFound", message);

    public static ApiStatusException MethodNotAllowed(string message) => new(405, "MethodNotAllowed", message);

    public static ApiStatusException UnsupportedMediaType(string contentType) =>
        new(415, "UnsupportedMediaType", $"the body of the request was in an unknown format - accepted media types include: application/json-patch+json, application/merge-patch+json, application/strategic-merge-patch+json ({contentType})");

    /// <summary>422: the object is invalid, with each cause as the API server lists them.</summary>
    public static ApiStatusException Invalid(ApiKind kind, string name, IReadOnlyList<(string Field, string Message)> causes)
    {
        var message = $"{kind.QualifiedKind} \"{name}\" is invalid: " + string.Join(", ", causes.Select(c => $"{c.Field}: {c.Message}"));
        var details = new JsonObject
        {
            ["name"] = name,
            ["group"] = kind.Group,
            ["kind"] = kind.Kind,
            ["causes"] = new JsonArray(causes.Select(c => (JsonNode?)new JsonObject
            {
                ["reason"] = "FieldValueInvalid",
                ["message"] = c.Message,
                ["field"] = c.Field,
            }).ToArray()),
        };
        return new ApiStatusException(422, "Invalid", message, details);
    }

    public static ApiStatusException From(ObjectStoreException e, ApiKind? kind)
    {
        var details = new JsonObject();
        if (e.ResourceName is { } name) details["name"] = name;
        if (kind is not null)
        {
            details["group"] = kind.Group;
            details["kind"] = kind.Plural;
        }
        return new ApiStatusException(e.Code, e.Reason, e.Message, details);
    }

    public JsonObject ToStatus() => Status("Failure", Message, Reason, Code, Details);

    public static JsonObject Status(string status, string message, string reason, int code, JsonObject? details = null)
    {
        var node = new JsonObject
        {
            ["kind"] = "Status",
            ["apiVersion"] = "v1",
            ["metadata"] = new JsonObject(),
            ["status"] = status,
        };
        if (message.Length > 0) node["message"] = message;
        if (reason.Length > 0) node["reason"] = reason;
        if (details is { Count: > 0 }) node["details"] = details;
        node["code"] = code;
        return node;
    }
}
