using Longhorn.Functions.ControlPlane.Work;
using Longhorn.Functions.Resources;

namespace Longhorn.Functions.ControlPlane.Targets;

/// <summary>Asks for a backup's deletion: the resource shows Deleting, its backup worker stops, and the store delete is queued.</summary>
public static class BackupDeletionRequest
{
    /// <summary>Returns the backup in state Deleting, or null when it went at once (nothing in the store to remove).</summary>
    public static async Task<Backup?> SendAsync(IResourceStore store, WorkQueue work, string name, CancellationToken cancellationToken)
    {
        work.Cancel(WorkKind.CreateBackup, name);
        var deleting = await store.DeleteAsync<Backup>(name, cancellationToken).ConfigureAwait(false);
        if (deleting is null) return null;
        var marked = await store.MutateAsync<Backup>(name, b => b with
        {
            Status = b.Status with { State = BackupStates.Deleting, Messages = new Dictionary<string, string>() },
        }, cancellationToken).ConfigureAwait(false);
        work.EnqueueAfter(WorkKind.CreateBackup, name, WorkKind.DeleteBackup, name);
        return marked;
    }
}
