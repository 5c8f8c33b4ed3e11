using Longhorn.Functions.Resources;

namespace Longhorn.Functions.ControlPlane;

/// <summary>Deletes a resource without touching the backup store: labels it delete-custom-resource-only and drops the finalizer.</summary>
public static class CustomResourceDeletion
{
    public static async Task DeleteAsync<T>(IResourceStore store, string name, CancellationToken cancellationToken) where T : Resource, IResourceKind
    {
        var labelled = await store.MutateAsync<T>(name, r => r.Metadata.Labels.ContainsKey(LonghornLabels.DeleteCustomResourceOnly)
            ? null
            : r.WithMetadata(r.Metadata.WithLabel(LonghornLabels.DeleteCustomResourceOnly, "true")), cancellationToken).ConfigureAwait(false);
        if (labelled is null) return;
        try
        {
            await store.DeleteAsync<T>(name, cancellationToken).ConfigureAwait(false);
        }
        catch (ResourceNotFoundException)
        {
            return;
        }
        await store.RemoveFinalizerAsync<T>(name, LonghornLabels.Finalizer, cancellationToken).ConfigureAwait(false);
    }
}
