using Longhorn.Engine;
using Longhorn.Engine.SystemBackups;
using Longhorn.Functions.ControlPlane.Targets;
using Longhorn.Functions.ControlPlane.Work;
using Longhorn.Functions.Resources;
using Longhorn.Simulator.Cluster;
using Microsoft.Extensions.Options;

namespace Longhorn.Functions.ControlPlane.SystemBackups;

/// <summary>
/// Longhorn's system backup controller (spec §5.2): "" → CreatingVolumeBackups → CreatingBackingImageBackups →
/// Generating → Uploading → Ready, or Syncing → Ready for one pulled from the store, Error with a reason, and the
/// Deleting path. Each state is stored before its step runs, so a restarted host resumes where it stopped.
/// </summary>
public sealed class SystemBackupController(IResourceStore store, BackupStoreFactory stores, VolumeBackupPolicy policy, IClusterObjectSource cluster,
    IOptions<LonghornOptions> options, HostIdentity host, TimeProvider time, ILogger<SystemBackupController> logger) : IWorkHandler
{
    public WorkKind Kind => WorkKind.SystemBackup;

    /// <summary>Where bundles are built before upload (Longhorn's /tmp/&lt;name&gt;).</summary>
    private string WorkDirectory => Path.Combine(options.Value.FullDataDir, "system-backups");

    public async Task RunAsync(string name, CancellationToken cancellationToken)
    {
        for (var step = 0; step < 16; step++)
        {
            var systemBackup = await store.GetAsync<SystemBackup>(name, cancellationToken).ConfigureAwait(false);
            if (systemBackup is null) return;
            if (systemBackup.IsDeleting)
            {
                await DeleteAsync(systemBackup, cancellationToken).ConfigureAwait(false);
                return;
            }
            var state = systemBackup.Status.State;
            if (state is SystemBackupStates.Ready or SystemBackupStates.Error)
            {
                DeleteLocalFiles(name);
                return;
            }
            try
            {
                await StepAsync(systemBackup, cancellationToken).ConfigureAwait(false);
            }
            catch (Exception e) when (e is BackupStoreException or SystemBackupException or ControlPlaneException or IOException or InvalidDataException
                                          or UnauthorizedAccessException or ResourceNotFoundException)
            {
                var reason = state switch
                {
                    SystemBackupStates.Syncing => SystemBackupStates.ReasonSync,
                    SystemBackupStates.Uploading => SystemBackupStates.ReasonUpload,
                    _ => SystemBackupStates.ReasonGenerate,
                };
                logger.LogWarning("System backup {SystemBackup} failed in {State}: {Reason}", name, state, e.Message);
                await FailAsync(name, reason, e.Message).ConfigureAwait(false);
            }
        }
    }

    private async Task StepAsync(SystemBackup systemBackup, CancellationToken cancellationToken)
    {
        var name = systemBackup.Name;
        switch (systemBackup.Status.State)
        {
            case SystemBackupStates.New when systemBackup.Metadata.Labels.ContainsKey(SystemBackupLabels.Version):
                await SetAsync(name, s => s with { State = SystemBackupStates.Syncing }).ConfigureAwait(false);
                return;
            case SystemBackupStates.New:
            {
                var (_, backupStore) = await OpenAsync(cancellationToken).ConfigureAwait(false);
                var remote = (await backupStore.SystemBackups.ListAsync(cancellationToken).ConfigureAwait(false)).FirstOrDefault(l => l.Name == name);
                if (remote is not null)
                {
                    // Already in the store (another cluster made it): this resource becomes a pulled one.
                    await store.MutateAsync<SystemBackup>(name, b => b.WithMetadata(b.Metadata.WithLabel(SystemBackupLabels.Version, remote.Version)),
                        CancellationToken.None).ConfigureAwait(false);
                    return;
                }
                await SetAsync(name, s => s with
                {
                    State = SystemBackupStates.CreatingVolumeBackups, Version = DefaultLonghornInstall.Version, GitCommit = DefaultLonghornInstall.GitCommit,
                    OwnerID = host.InstanceId,
                }).ConfigureAwait(false);
                return;
            }
            case SystemBackupStates.Syncing:
            {
                var (_, backupStore) = await OpenAsync(cancellationToken).ConfigureAwait(false);
                var version = systemBackup.Metadata.Labels.GetValueOrDefault(SystemBackupLabels.Version) ?? systemBackup.Status.Version;
                var config = await backupStore.SystemBackups.GetConfigAsync(name, version, cancellationToken).ConfigureAwait(false);
                await SetAsync(name, s => s with
                {
                    State = SystemBackupStates.Ready, Version = config.LonghornVersion.Length > 0 ? config.LonghornVersion : version,
                    GitCommit = config.LonghornGitCommit, ManagerImage = config.ManagerImage, CreatedAt = config.CreatedAt, Conditions = [],
                }).ConfigureAwait(false);
                return;
            }
            case SystemBackupStates.CreatingVolumeBackups:
                try
                {
                    await policy.ApplyAsync(systemBackup, cancellationToken).ConfigureAwait(false);
                }
                catch (ControlPlaneException e)
                {
                    throw new SystemBackupException($"failed to create volume backups: {e.Message}", e);
                }
                await SetAsync(name, s => s with { State = SystemBackupStates.CreatingBackingImageBackups }).ConfigureAwait(false);
                return;
            case SystemBackupStates.CreatingBackingImageBackups:
                // This host has no backing images: nothing to back up, and Longhorn moves on whatever happens here.
                await SetAsync(name, s => s with { State = SystemBackupStates.Generating }).ConfigureAwait(false);
                return;
            case SystemBackupStates.Generating:
                await GenerateAsync(name, cancellationToken).ConfigureAwait(false);
                await SetAsync(name, s => s with { State = SystemBackupStates.Uploading }).ConfigureAwait(false);
                return;
            case SystemBackupStates.Uploading:
                await UploadAsync(systemBackup, cancellationToken).ConfigureAwait(false);
                return;
            default:
                throw new SystemBackupException($"unknown state {systemBackup.Status.State}");
        }
    }

    /// <summary>Collects the bundle from the cluster and zips it locally; an earlier attempt's zip is replaced.</summary>
    private async Task GenerateAsync(string name, CancellationToken cancellationToken)
    {
        Directory.CreateDirectory(WorkDirectory);
        var objects = await SystemBackupBundle.CollectAsync(cluster, cancellationToken).ConfigureAwait(false);
        var namespaces = await cluster.ListAsync("v1", "Namespace", null, cancellationToken).ConfigureAwait(false);
        var uid = (string?)namespaces.FirstOrDefault(n => KubernetesObjects.Name(n) == DefaultLonghornInstall.Namespace)?["metadata"]?["uid"] ?? "";
        var metadata = new BundleMetadata(DefaultLonghornInstall.Version, DefaultLonghornInstall.GitCommit,
            await cluster.GetKubernetesVersionAsync(cancellationToken).ConfigureAwait(false), uid, time.GetUtcNow(), DefaultLonghornInstall.ManagerImage);
        await SystemBackupBundle.WriteAsync(ZipPath(name), name, metadata, objects, cancellationToken).ConfigureAwait(false);
        logger.LogInformation("System backup {SystemBackup}: bundle of {Objects} objects generated", name, objects.Values.Sum(v => v.Count));
    }

    /// <summary>Uploads zip then cfg; a cfg already there means an earlier attempt finished. A failed upload leaves nothing behind.</summary>
    private async Task UploadAsync(SystemBackup systemBackup, CancellationToken cancellationToken)
    {
        var name = systemBackup.Name;
        var version = systemBackup.Status.Version;
        var (target, backupStore) = await OpenAsync(cancellationToken).ConfigureAwait(false);
        SystemBackupConfig? done = null;
        try
        {
            done = await backupStore.SystemBackups.GetConfigAsync(name, version, cancellationToken).ConfigureAwait(false);
        }
        catch (BackupStoreNotFoundException)
        {
        }
        if (done is null)
        {
            if (!File.Exists(ZipPath(name)))
            {
                // The host restarted after its bundle was lost: build it again.
                await SetAsync(name, s => s with { State = SystemBackupStates.Generating }).ConfigureAwait(false);
                return;
            }
            // A zip without a cfg is this system backup's own interrupted upload: nobody trusts it, so it is replaced.
            await backupStore.SystemBackups.DeleteAsync(name, version, cancellationToken).ConfigureAwait(false);
            try
            {
                done = await backupStore.SystemBackups.UploadAsync(ZipPath(name), new SystemBackupConfig
                {
                    Name = name, LonghornVersion = version, LonghornGitCommit = systemBackup.Status.GitCommit, BackupTargetURL = target.Spec.BackupTargetURL,
                    ManagerImage = DefaultLonghornInstall.ManagerImage, EngineImage = DefaultLonghornInstall.EngineImage, CreatedAt = time.GetUtcNow(),
                }, cancellationToken).ConfigureAwait(false);
            }
            catch (Exception e) when (e is BackupStoreException or IOException)
            {
                await RemoveQuietlyAsync(backupStore, name, version).ConfigureAwait(false);
                throw;
            }
        }
        await SetAsync(name, s => s with { State = SystemBackupStates.Ready, ManagerImage = done.ManagerImage, CreatedAt = done.CreatedAt, Conditions = [] })
            .ConfigureAwait(false);
        DeleteLocalFiles(name);
        logger.LogInformation("System backup {SystemBackup} uploaded to {Url}", name, backupStore.SystemBackups.UrlOf(name, version));
    }

    /// <summary>Removes it from the store unless it is delete-CR-only, the target is unavailable or it never got a version; then the resource goes.</summary>
    private async Task DeleteAsync(SystemBackup systemBackup, CancellationToken cancellationToken)
    {
        var name = systemBackup.Name;
        if (systemBackup.Status.State != SystemBackupStates.Deleting)
            await SetAsync(name, s => s with { State = SystemBackupStates.Deleting }, allowDeleting: true).ConfigureAwait(false);
        var version = systemBackup.Metadata.Labels.GetValueOrDefault(SystemBackupLabels.Version) is { Length: > 0 } v ? v : systemBackup.Status.Version;
        var target = await store.GetAsync<BackupTarget>(BackupTarget.DefaultName, cancellationToken).ConfigureAwait(false);
        if (version.Length > 0 && !systemBackup.Metadata.Labels.ContainsKey(LonghornLabels.DeleteCustomResourceOnly)
            && target is { Spec.BackupTargetURL.Length: > 0, Status.Available: true })
        {
            try
            {
                var backupStore = await stores.OpenAsync(target, cancellationToken).ConfigureAwait(false);
                await backupStore.SystemBackups.DeleteAsync(name, version, cancellationToken).ConfigureAwait(false);
                logger.LogInformation("System backup {SystemBackup} deleted from backup target {Target}", name, target.Name);
            }
            catch (Exception e) when (e is BackupStoreException or ControlPlaneException or IOException)
            {
                logger.LogWarning("System backup {SystemBackup}: deleting it from the store failed: {Reason}", name, e.Message);
                await SetAsync(name, s => s with
                {
                    Conditions = [new Condition("Error", "True", SystemBackupStates.ReasonDelete, e.Message, time.GetUtcNow())],
                }, allowDeleting: true).ConfigureAwait(false);
                return;
            }
        }
        DeleteLocalFiles(name);
        await store.RemoveFinalizerAsync<SystemBackup>(name, LonghornLabels.Finalizer, CancellationToken.None).ConfigureAwait(false);
    }

    private async Task<(BackupTarget Target, BackupStore Store)> OpenAsync(CancellationToken cancellationToken)
    {
        var target = await store.GetAsync<BackupTarget>(BackupTarget.DefaultName, cancellationToken).ConfigureAwait(false);
        if (target is null || target.Spec.BackupTargetURL.Length == 0 || !target.Status.Available)
            throw new SystemBackupException("backup target default is not available");
        return (target, await stores.OpenAsync(target, cancellationToken).ConfigureAwait(false));
    }

    private static async Task RemoveQuietlyAsync(BackupStore backupStore, string name, string version)
    {
        try
        {
            await backupStore.SystemBackups.DeleteAsync(name, version, CancellationToken.None).ConfigureAwait(false);
        }
        catch (Exception e) when (e is BackupStoreException or IOException)
        {
            // The store is failing; a zip left without its cfg is never listed as Ready nor restored from.
        }
    }

    private string ZipPath(string name) => Path.Combine(WorkDirectory, name + ".zip");

    private void DeleteLocalFiles(string name)
    {
        try
        {
            File.Delete(ZipPath(name));
            File.Delete(ZipPath(name) + ".partial");
        }
        catch (IOException e)
        {
            logger.LogWarning("System backup {SystemBackup}: cannot delete its local bundle: {Reason}", name, e.Message);
        }
    }

    private Task FailAsync(string name, string reason, string message) => SetAsync(name, s => s with
    {
        State = SystemBackupStates.Error,
        Conditions = [new Condition("Error", "True", reason, message, time.GetUtcNow())],
    });

    /// <summary>handleStatusUpdate: every change stamps lastSyncedAt; a deleting resource takes only Deleting-path changes.</summary>
    private Task<SystemBackup?> SetAsync(string name, Func<SystemBackupStatus, SystemBackupStatus> change, bool allowDeleting = false) =>
        store.MutateAsync<SystemBackup>(name, b => b.IsDeleting && !allowDeleting
            ? null
            : b with { Status = change(b.Status) with { LastSyncedAt = time.GetUtcNow() } }, CancellationToken.None);
}
