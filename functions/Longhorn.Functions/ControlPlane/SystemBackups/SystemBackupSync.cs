using Longhorn.Engine;
using Longhorn.Functions.ControlPlane.Targets;
using Longhorn.Functions.ControlPlane.Work;
using Longhorn.Functions.Resources;

namespace Longhorn.Functions.ControlPlane.SystemBackups;

/// <summary>
/// syncSystemBackup (spec §2.5 step 6, default target only): a system backup in the store that no Ready resource
/// has is pulled (label <c>longhorn.io/version</c>, then Syncing → Ready); a Ready one gone from the store is
/// deleted CR-only; an emptied target URL deletes them all CR-only.
/// </summary>
public sealed class SystemBackupSync(IResourceStore store, WorkQueue work, ILogger<SystemBackupSync> logger) : IBackupTargetSyncStep
{
    public async Task SyncAsync(BackupTarget target, BackupStore backupStore, CancellationToken cancellationToken)
    {
        if (target.Name != BackupTarget.DefaultName) return;
        IReadOnlyList<Engine.SystemBackups.SystemBackupListing> remote;
        try
        {
            remote = await backupStore.SystemBackups.ListAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (BackupStoreException e)
        {
            logger.LogWarning("Listing the system backups of target {Target} failed: {Reason}", target.Name, e.Message);
            return;
        }
        var cluster = (await store.ListAsync<SystemBackup>(null, cancellationToken).ConfigureAwait(false)).ToDictionary(s => s.Name, StringComparer.Ordinal);
        foreach (var listing in remote.Where(l => IsValidName(l.Name)))
        {
            if (cluster.ContainsKey(listing.Name)) continue;
            try
            {
                await store.CreateAsync(new SystemBackup
                {
                    Metadata = new ObjectMeta
                    {
                        Name = listing.Name,
                        Labels = new Dictionary<string, string> { [SystemBackupLabels.Version] = listing.Version },
                        Finalizers = [LonghornLabels.Finalizer],
                        OwnerReferences = [target.AsOwner()],
                    },
                }, cancellationToken).ConfigureAwait(false);
            }
            catch (ResourceConflictException)
            {
                continue;
            }
            logger.LogInformation("Pulled system backup {SystemBackup} ({Version}) from target {Target}", listing.Name, listing.Version, target.Name);
            work.Enqueue(WorkKind.SystemBackup, listing.Name);
        }
        var names = remote.Select(l => l.Name).ToHashSet(StringComparer.Ordinal);
        foreach (var gone in cluster.Values.Where(s => !s.IsDeleting && s.Status.State == SystemBackupStates.Ready && !names.Contains(s.Name)))
        {
            logger.LogInformation("System backup {SystemBackup} is gone from target {Target}; deleting its resource only", gone.Name, target.Name);
            await CustomResourceDeletion.DeleteAsync<SystemBackup>(store, gone.Name, cancellationToken).ConfigureAwait(false);
        }
    }

    private static bool IsValidName(string name)
    {
        try
        {
            ResourceNames.Validate(name, "name");
            return true;
        }
        catch (ControlPlaneException)
        {
            return false;
        }
    }

    public async Task ClearAsync(BackupTarget target, CancellationToken cancellationToken)
    {
        if (target.Name != BackupTarget.DefaultName) return;
        foreach (var systemBackup in await store.ListAsync<SystemBackup>(null, cancellationToken).ConfigureAwait(false))
            await CustomResourceDeletion.DeleteAsync<SystemBackup>(store, systemBackup.Name, cancellationToken).ConfigureAwait(false);
    }
}
