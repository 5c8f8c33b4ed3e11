using Longhorn.Functions.ControlPlane.Work;
using Longhorn.Functions.Resources;

namespace Longhorn.Functions.ControlPlane.SystemBackups;

/// <summary>
/// System backups as users ask for them (Longhorn's webhook): the default target must be available, the policy
/// defaults to if-not-present; the controller does the rest in the background. Listing reads resources only.
/// </summary>
public sealed class SystemBackupService(IResourceStore store, WorkQueue work, HostIdentity host, ILogger<SystemBackupService> logger)
{
    public async Task<SystemBackup> CreateAsync(string? name, string? volumeBackupPolicy, IReadOnlyDictionary<string, string>? labels,
        CancellationToken cancellationToken)
    {
        ResourceNames.Validate(name, "name");
        var policy = string.IsNullOrEmpty(volumeBackupPolicy) ? VolumeBackupPolicies.IfNotPresent : volumeBackupPolicy;
        if (!VolumeBackupPolicies.IsValid(policy))
            throw ControlPlaneException.Invalid("volumeBackupPolicy", $"volumeBackupPolicy {policy} is invalid: it must be if-not-present, always or disabled");
        ResourceNames.ValidateLabels(labels, "labels");
        var target = await store.GetAsync<BackupTarget>(BackupTarget.DefaultName, cancellationToken).ConfigureAwait(false);
        if (target is null || target.Spec.BackupTargetURL.Length == 0 || !target.Status.Available)
            throw ControlPlaneException.Conflict("backupTarget", "backup target default is not available");
        if (await store.GetAsync<SystemBackup>(name!, cancellationToken).ConfigureAwait(false) is not null)
            throw ControlPlaneException.Conflict("name", $"system backup {name} already exists");
        SystemBackup created;
        try
        {
            created = await store.CreateAsync(new SystemBackup
            {
                Metadata = new ObjectMeta
                {
                    Name = name!,
                    Labels = labels ?? new Dictionary<string, string>(),
                    Finalizers = [LonghornLabels.Finalizer],
                    OwnerReferences = [target.AsOwner()],
                },
                Spec = new SystemBackupSpec { VolumeBackupPolicy = policy },
                Status = new SystemBackupStatus { OwnerID = host.InstanceId },
            }, cancellationToken).ConfigureAwait(false);
        }
        catch (ResourceConflictException)
        {
            throw ControlPlaneException.Conflict("name", $"system backup {name} already exists");
        }
        work.Enqueue(WorkKind.SystemBackup, created.Name);
        logger.LogInformation("System backup {SystemBackup} requested (volume backup policy {Policy})", created.Name, policy);
        return created;
    }

    public Task<IReadOnlyList<SystemBackup>> ListAsync(CancellationToken cancellationToken) => store.ListAsync<SystemBackup>(null, cancellationToken);

    public async Task<SystemBackup> GetAsync(string name, CancellationToken cancellationToken) =>
        await store.GetAsync<SystemBackup>(name, cancellationToken).ConfigureAwait(false)
        ?? throw ControlPlaneException.NotFound("name", $"system backup {name} not found");

    /// <summary>Marks it Deleting (the controller removes it from the store, then the resource); null when it is already gone.</summary>
    public async Task<SystemBackup?> DeleteAsync(string name, CancellationToken cancellationToken)
    {
        await GetAsync(name, cancellationToken).ConfigureAwait(false);
        SystemBackup? deleting;
        try
        {
            deleting = await store.DeleteAsync<SystemBackup>(name, cancellationToken).ConfigureAwait(false);
        }
        catch (ResourceNotFoundException)
        {
            return null;
        }
        if (deleting is not null) work.Enqueue(WorkKind.SystemBackup, name);
        return deleting;
    }

    /// <summary>Waits, without polling, until the system backup is Ready or Error (or gone: null).</summary>
    public async Task<SystemBackup?> WaitUntilFinalAsync(string name, CancellationToken cancellationToken)
    {
        while (true)
        {
            var changed = work.WaitForChangeAsync(cancellationToken);
            var systemBackup = await store.GetAsync<SystemBackup>(name, cancellationToken).ConfigureAwait(false);
            if (systemBackup is null || (!systemBackup.IsDeleting && SystemBackupStates.IsFinal(systemBackup.Status.State))) return systemBackup;
            await changed.ConfigureAwait(false);
        }
    }
}
