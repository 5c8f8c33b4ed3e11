namespace Longhorn.Functions.Cluster;

/// <summary>An expected failure of the object store, with the Kubernetes API's reason and status code.</summary>
public sealed class ObjectStoreException(string reason, int code, string message, string? kind = null, string? name = null) : Exception(message)
{
    public string Reason { get; } = reason;
    public int Code { get; } = code;
    public string? ResourceKind { get; } = kind;
    public string? ResourceName { get; } = name;

    public static ObjectStoreException NotFound(ApiKind kind, string name) =>
        new("NotFound", 404, $"{kind.Resource} \"{name}\" not found", kind.Kind, name);

    public static ObjectStoreException AlreadyExists(ApiKind kind, string name) =>
        new("AlreadyExists", 409, $"{kind.Resource} \"{name}\" already exists", kind.Kind, name);

    public static ObjectStoreException Conflict(ApiKind kind, string name) =>
        new("Conflict", 409, $"Operation cannot be fulfilled on {kind.Resource} \"{name}\": the object has been modified; please apply your changes to the latest version and try again", kind.Kind, name);

    public static ObjectStoreException Gone(long version) => new("Expired", 410, $"too old resource version: {version}");

    public static ObjectStoreException Invalid(string field, string message) => new("BadRequest", 400, message, null, field);
}
