using Longhorn.Functions.ControlPlane;
using Longhorn.Functions.ControlPlane.Backups;
using Longhorn.Functions.ControlPlane.RecurringJobs;
using Longhorn.Functions.ControlPlane.Settings;
using Longhorn.Functions.ControlPlane.Targets;
using Longhorn.Functions.ControlPlane.Volumes;
using Longhorn.Functions.ControlPlane.Work;
using Longhorn.Functions.Hosting;
using Longhorn.Functions.Resources;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

var builder = WebApplication.CreateBuilder(args);
HostConfiguration.Apply(builder, args);

var catalog = new FunctionCatalog(typeof(Program).Assembly);
var services = builder.Services;
services.Configure<LonghornOptions>(builder.Configuration.GetSection(LonghornOptions.Section));
services.TryAddSingleton(TimeProvider.System);
services.AddSingleton(catalog);
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
foreach (var type in catalog.FunctionTypes) services.AddScoped(type);
services.AddHostedService<ControlPlaneStartup>();
services.AddHostedService<WorkerPool>();
services.AddHostedService<TimerFunctionHost>();

var app = builder.Build();
var routePrefix = app.Configuration[HostConfiguration.RoutePrefixKey] ?? "api";
app.MapFunctions(catalog, routePrefix);
app.Lifetime.ApplicationStarted.Register(() =>
{
    var addresses = app.Urls.Count > 0 ? app.Urls.First() : "http://localhost";
    Console.WriteLine(FunctionListing.Format(catalog, addresses, routePrefix, app.Configuration));
});
app.Run();

/// <summary>The host's entry point, visible to in-process tests.</summary>
public partial class Program;
