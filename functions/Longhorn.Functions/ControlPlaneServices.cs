using Longhorn.Functions.Cluster;
using Longhorn.Functions.Csi;
using Longhorn.Functions.ControlPlane;
using Longhorn.Functions.ControlPlane.Backups;
using Longhorn.Functions.ControlPlane.RecurringJobs;
using Longhorn.Functions.ControlPlane.Settings;
using Longhorn.Functions.ControlPlane.SystemBackups;
using Longhorn.Functions.ControlPlane.SystemRestores;
using Longhorn.Functions.ControlPlane.Targets;
using Longhorn.Functions.ControlPlane.Volumes;
using Longhorn.Functions.ControlPlane.Work;
using Longhorn.Functions.Resources;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

// Beside the other Add* registrations, so the host's composition root calls it without a using.
namespace Microsoft.Extensions.DependencyInjection;

/// <summary>The control plane's composition root: its options, resource store, services, work handlers and background services.</summary>
public static class ControlPlaneServices
{
    /// <summary>Registers everything the control plane needs; the host adds its functions and its timer host.</summary>
    public static IServiceCollection AddControlPlane(this IServiceCollection services)
    {
        services.AddOptions<LonghornOptions>().BindConfiguration(LonghornOptions.Section);
        services.TryAddSingleton(TimeProvider.System);
        services.AddSingleton<HostIdentity>();
        services.AddSingleton(sp => new ObjectStore(
            sp.GetRequiredService<IOptions<LonghornOptions>>().Value.DatabasePath, sp.GetRequiredService<TimeProvider>()));
        services.AddSingleton<IResourceStore>(sp => new SqliteResourceStore(sp.GetRequiredService<ObjectStore>()));
        services.AddSingleton<WorkQueue>();
        services.AddSingleton<TransferSlots>();
        services.AddSingleton<LonghornSettings>();
        services.AddSingleton<ReplicaRegistry>();
        services.AddSingleton(sp => new StoreFileJournal(sp.GetRequiredService<IOptions<LonghornOptions>>().Value.StoreFileJournalPath));
        services.AddSingleton<BackupStoreFactory>();
        services.AddSingleton<BackupTargetService>();
        services.AddSingleton<BackupTargetCheck>();
        services.AddSingleton<TargetPolls>();
        services.AddSingleton<BackupVolumeService>();
        services.AddSingleton<BackupVolumeSync>();
        services.AddSingleton<SnapshotService>();
        services.AddSingleton<VolumeService>();
        services.AddSingleton<BackupService>();
        services.AddSingleton<RecurringJobService>();
        services.AddSingleton<RecurringJobRunner>();
        services.AddSingleton<RecurringJobScheduler>();
        services.AddSingleton<WorkReconciler>();
        services.AddSingleton<IWorkHandler, BackupCreation>();
        services.AddSingleton<IWorkHandler, BackupRemoval>();
        services.AddSingleton<IWorkHandler, RestoreWorker>();
        services.AddSingleton<IWorkHandler, BackupTargetSync>();
        services.AddSingleton<IWorkHandler, BackupVolumeResync>();
        services.AddSingleton<IWorkHandler, BackupVolumeRemoval>();
        services.AddSingleton<ClusterObjectTable>();
        // Bundles come from the host's own cluster, or from a real one when a kubeconfig is configured.
        services.TryAddSingleton<IClusterObjectSource>(sp =>
            sp.GetRequiredService<IConfiguration>()[$"{LonghornOptions.Section}:SystemBackupKubeconfig"] is { Length: > 0 } kubeconfig
                ? KubeconfigClusterObjectSource.FromFile(kubeconfig)
                : ActivatorUtilities.CreateInstance<ResourceClusterObjectSource>(sp));
        services.TryAddSingleton<IClusterObjectSink, ResourceClusterObjectSink>();
        services.AddSingleton<VolumeBackupPolicy>();
        services.AddSingleton<SystemBackupService>();
        services.AddSingleton<SystemBackupJob>();
        services.AddSingleton<SystemRestoreService>();
        services.AddSingleton<IBackupTargetSyncStep, SystemBackupSync>();
        services.AddSingleton<IWorkHandler, SystemBackupController>();
        services.AddSingleton<IWorkHandler, SystemRestoreController>();
        services.AddHostedService<ClusterObjectSeeding>();
        services.AddHostedService<ControlPlaneStartup>();
        services.AddHostedService<LeftoverStoreFiles>();
        services.AddHostedService<WorkerPool>();
        services.AddSingleton<CsiObjects>();
        services.AddHostedService<VolumeProvisioner>();
        services.AddHostedService<SnapshotController>();
        return services;
    }
}
