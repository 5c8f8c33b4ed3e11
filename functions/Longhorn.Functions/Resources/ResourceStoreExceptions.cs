namespace Longhorn.Functions.Resources;

/// <summary>The object is not in the store.</summary>
public sealed class ResourceNotFoundException(string kind, string name)
    : Exception($"{kind} {name} not found")
{
    public string ResourceKind { get; } = kind;
    public string ResourceName { get; } = name;
}

/// <summary>The name is taken, or the object changed since it was read (stale resourceVersion).</summary>
public sealed class ResourceConflictException(string message) : Exception(message);
