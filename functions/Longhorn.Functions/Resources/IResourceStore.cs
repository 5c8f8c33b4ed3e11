namespace Longhorn.Functions.Resources;

/// <summary>
/// The control plane's resources with Kubernetes semantics: create fails if the name is taken, update fails unless
/// the resourceVersion is current, delete of an object with finalizers only sets its deletionTimestamp.
/// Implemented on SQLite here; a Kubernetes API server could stand behind it later.
/// </summary>
public interface IResourceStore
{
    Task<T?> GetAsync<T>(string name, CancellationToken cancellationToken) where T : Resource, IResourceKind;

    /// <summary>The kind's objects matching the selector (all when null), ordered by name.</summary>
    Task<IReadOnlyList<T>> ListAsync<T>(LabelSelector? selector, CancellationToken cancellationToken) where T : Resource, IResourceKind;

    /// <summary>Stores a new object, assigning uid, resourceVersion and creationTimestamp.</summary>
    Task<T> CreateAsync<T>(T resource, CancellationToken cancellationToken) where T : Resource, IResourceKind;

    /// <summary>Replaces the object if its resourceVersion is current; a deleting object without finalizers is removed (null).</summary>
    Task<T?> UpdateAsync<T>(T resource, CancellationToken cancellationToken) where T : Resource, IResourceKind;

    /// <summary>Deletes the object, or marks it deleting while finalizers remain (returned); null when it is gone.</summary>
    Task<T?> DeleteAsync<T>(string name, CancellationToken cancellationToken) where T : Resource, IResourceKind;
}
