using Longhorn.Functions.ControlPlane.Work;
using Longhorn.Functions.Resources;

namespace Longhorn.Functions.ControlPlane.SystemRestores;

/// <summary>System restores as users ask for them: of a Ready system backup, one at a time; the controller does the rest.</summary>
public sealed class SystemRestoreService(IResourceStore store, WorkQueue work, HostIdentity host, ILogger<SystemRestoreService> logger)
{
    public async Task<SystemRestore> CreateAsync(string? name, string? systemBackup, CancellationToken cancellationToken)
    {
        ResourceNames.Validate(name, "name");
        if (string.IsNullOrEmpty(systemBackup)) throw ControlPlaneException.Invalid("systemBackup", "systemBackup is required");
        var source = await store.GetAsync<SystemBackup>(systemBackup, cancellationToken).ConfigureAwait(false);
        if (source is null || source.IsDeleting)
            throw ControlPlaneException.NotFound("systemBackup", $"system backup {systemBackup} not found (sync the default backup target if it is new)");
        if (source.Status.State != SystemBackupStates.Ready)
            throw ControlPlaneException.Conflict("systemBackup", $"system backup {systemBackup} is {source.Status.State}, not Ready");
        var running = (await store.ListAsync<SystemRestore>(null, cancellationToken).ConfigureAwait(false))
            .FirstOrDefault(r => r.Status.State is not (SystemRestoreStates.Completed or SystemRestoreStates.Error));
        if (running is not null) throw ControlPlaneException.Conflict("name", $"system restore {running.Name} is in progress; wait for it to finish");
        try
        {
            var created = await store.CreateAsync(new SystemRestore
            {
                Metadata = new ObjectMeta { Name = name!, Finalizers = [LonghornLabels.Finalizer] },
                Spec = new SystemRestoreSpec { SystemBackup = systemBackup },
                Status = new SystemRestoreStatus { OwnerID = host.InstanceId },
            }, cancellationToken).ConfigureAwait(false);
            work.Enqueue(WorkKind.SystemRestore, created.Name);
            logger.LogInformation("System restore {SystemRestore} of system backup {SystemBackup} requested", created.Name, systemBackup);
            return created;
        }
        catch (ResourceConflictException)
        {
            throw ControlPlaneException.Conflict("name", $"system restore {name} already exists");
        }
    }

    public Task<IReadOnlyList<SystemRestore>> ListAsync(CancellationToken cancellationToken) => store.ListAsync<SystemRestore>(null, cancellationToken);

    public async Task<SystemRestore> GetAsync(string name, CancellationToken cancellationToken) =>
        await store.GetAsync<SystemRestore>(name, cancellationToken).ConfigureAwait(false)
        ?? throw ControlPlaneException.NotFound("name", $"system restore {name} not found");

    /// <summary>Deletes the record; what it restored stays.</summary>
    public async Task DeleteAsync(string name, CancellationToken cancellationToken)
    {
        await GetAsync(name, cancellationToken).ConfigureAwait(false);
        work.Cancel(WorkKind.SystemRestore, name);
        await work.WhenIdleAsync(WorkKind.SystemRestore, name, cancellationToken).ConfigureAwait(false);
        try
        {
            await store.DeleteAsync<SystemRestore>(name, cancellationToken).ConfigureAwait(false);
        }
        catch (ResourceNotFoundException)
        {
            return;
        }
        await store.RemoveFinalizerAsync<SystemRestore>(name, LonghornLabels.Finalizer, cancellationToken).ConfigureAwait(false);
    }
}
