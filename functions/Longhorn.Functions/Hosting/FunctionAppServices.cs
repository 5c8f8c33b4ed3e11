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

namespace Longhorn.Functions.Hosting;

/// <summary>The services every function uses, registered the same way under the Azure Functions host and the embedded one.</summary>
public static class FunctionAppServices
{
    public static IServiceCollection AddLonghornFunctions(this IServiceCollection services, IConfiguration configuration)
    {
        services.Configure<LonghornOptions>(configuration.GetSection(LonghornOptions.Section));
        services.TryAddSingleton(TimeProvider.System);
        services.AddSingleton<HostIdentity>();
        services.AddSingleton<IResourceStore>(sp => new SqliteResourceStore(
            sp.GetRequiredService<IOptions<LonghornOptions>>().Value.DatabasePath, sp.GetRequiredService<TimeProvider>()));
        services.AddSingleton<WorkQueue>();
        services.AddSingleton<LonghornSettings>();
        services.AddSingleton<ReplicaRegistry>();
        services.AddSingleton<BackupStoreFactory>();
        services.AddSingleton<BackupTargetService>();
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
        var kubeconfig = configuration[$"{LonghornOptions.Section}:SystemBackupKubeconfig"];
        if (string.IsNullOrEmpty(kubeconfig)) services.TryAddSingleton<IClusterObjectSource, ResourceClusterObjectSource>();
        else services.TryAddSingleton<IClusterObjectSource>(_ => KubeconfigClusterObjectSource.FromFile(kubeconfig));
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
        services.AddHostedService<WorkerPool>();
        return services;
    }
}
