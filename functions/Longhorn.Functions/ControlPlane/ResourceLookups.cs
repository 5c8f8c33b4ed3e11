using Longhorn.Functions.Resources;

namespace Longhorn.Functions.ControlPlane;

/// <summary>Resource look-ups that several services share, with the answers users see when the resource is missing or busy.</summary>
public static class ResourceLookups
{
    /// <summary>The volume, or a 404 when it is missing or being deleted.</summary>
    public static async Task<Volume> GetVolumeAsync(this IResourceStore store, string name, CancellationToken cancellationToken)
    {
        var volume = await store.GetAsync<Volume>(name, cancellationToken).ConfigureAwait(false);
        return volume is null || volume.IsDeleting ? throw VolumeNotFound(name) : volume;
    }

    /// <summary>The 404 for a volume that is missing, or was deleted while a request changed it.</summary>
    public static ControlPlaneException VolumeNotFound(string name) => ControlPlaneException.NotFound("volume", $"volume {name} not found");

    /// <summary>The volume, if it may be written or snapshotted: not a standby volume, not restoring.</summary>
    public static async Task<Volume> GetWritableVolumeAsync(this IResourceStore store, string name, string action, CancellationToken cancellationToken)
    {
        var volume = await store.GetVolumeAsync(name, cancellationToken).ConfigureAwait(false);
        if (volume.Spec.Standby)
            throw ControlPlaneException.Conflict("volume", $"cannot {action} volume {name}: it is a standby (DR) volume that follows its backups");
        if (volume.Status.RestoreRequired)
            throw ControlPlaneException.Conflict("volume", $"cannot {action} volume {name}: it is being restored from {volume.Spec.FromBackup}");
        return volume;
    }
}
