namespace Longhorn.Functions.Resources;

/// <summary>Read-modify-write with retries on conflicts, the way controllers update objects.</summary>
public static class ResourceStoreExtensions
{
    private const int MaxAttempts = 20;

    /// <summary>
    /// Applies <paramref name="change"/> to the current object and writes it, re-reading on a conflict; a change that
    /// returns null leaves the object as it is. Returns the stored object, or null when it is (or has become) gone.
    /// </summary>
    public static async Task<T?> MutateAsync<T>(this IResourceStore store, string name, Func<T, T?> change,
        CancellationToken cancellationToken) where T : Resource, IResourceKind
    {
        for (var attempt = 1; ; attempt++)
        {
            var current = await store.GetAsync<T>(name, cancellationToken).ConfigureAwait(false);
            if (current is null) return null;
            var next = change(current);
            if (next is null) return current;
            try
            {
                return await store.UpdateAsync(next, cancellationToken).ConfigureAwait(false);
            }
            catch (ResourceConflictException) when (attempt < MaxAttempts)
            {
            }
            catch (ResourceNotFoundException)
            {
                // Deleted between the read and the write: gone, as if the read had found nothing.
                return null;
            }
        }
    }

    /// <summary>A copy of the object with other metadata (records cannot be copied with <c>with</c> through a type parameter).</summary>
    public static T WithMetadata<T>(this T resource, ObjectMeta metadata) where T : Resource => (T)resource.CopyWith(metadata);

    public static async Task<T> GetRequiredAsync<T>(this IResourceStore store, string name, CancellationToken cancellationToken)
        where T : Resource, IResourceKind =>
        await store.GetAsync<T>(name, cancellationToken).ConfigureAwait(false) ?? throw new ResourceNotFoundException(T.KindName, name);

    /// <summary>Removes a finalizer; the object is gone afterwards if it was deleting and that was the last one.</summary>
    public static Task<T?> RemoveFinalizerAsync<T>(this IResourceStore store, string name, string finalizer,
        CancellationToken cancellationToken) where T : Resource, IResourceKind =>
        store.MutateAsync<T>(name, r => r.Metadata.Finalizers.Contains(finalizer)
            ? r.WithMetadata(r.Metadata.WithoutFinalizer(finalizer))
            : null, cancellationToken);
}
