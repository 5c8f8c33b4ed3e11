namespace Longhorn.Functions.Resources;

/// <summary>The resource store refused an operation for a reason the caller can act on (the store's expected failures).</summary>
public abstract class ResourceStoreException(string message) : Exception(message);

/// <summary>The object is not in the store.</summary>
public sealed class ResourceNotFoundException(string kind, string name)
    : ResourceStoreException($"{kind} {name} not found")
{
    public string ResourceKind { get; } = kind;
    public string ResourceName { get; } = name;
}

/// <summary>The name is taken, or the object changed since it was read (stale resourceVersion).</summary>
public sealed class ResourceConflictException(string message) : ResourceStoreException(message);
