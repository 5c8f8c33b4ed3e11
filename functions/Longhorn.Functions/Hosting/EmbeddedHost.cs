using Longhorn.Functions.ControlPlane;
using Longhorn.Functions.Kubernetes;

namespace Longhorn.Functions.Hosting;

/// <summary>
/// The host used when no Azure Functions host started the program (<c>dotnet run</c>): ASP.NET Core serving the functions
/// that the build's <c>functions.metadata</c> declares, timers on their schedules, and the <c>func start</c>-style listing.
/// </summary>
public static class EmbeddedHost
{
    public static WebApplication Build(string[] args)
    {
        HostConfiguration.KeepConfigurationFixed();
        var builder = WebApplication.CreateBuilder(args);
        HostConfiguration.Apply(builder, args);
        var catalog = FunctionCatalog.Load(typeof(EmbeddedHost).Assembly);
        builder.Services.AddSingleton(catalog);
        builder.Services.AddLonghornFunctions();
        builder.Services.AddHostedService<TimerFunctionHost>();
        // The Kubernetes API is the embedded host's: under the Azure Functions host there is no second port to serve it on.
        builder.Services.AddSingleton<KubernetesApi>();
        builder.Services.AddSingleton<IAdmission, SecretAdmission>();
        builder.Services.AddSingleton<IAdmission, PersistentVolumeDefaults>();
        builder.Services.AddSingleton<IAdmission, ServiceDefaults>();
        builder.Services.AddControlPlaneKind<RecurringJobKind>();
        builder.Services.AddControlPlaneKind<VolumeKind>();
        builder.Services.AddControlPlaneKind<BackupKind>();
        builder.Services.AddControlPlaneKind<SystemBackupKind>();
        builder.Services.AddControlPlaneKind<SystemRestoreKind>();
        builder.Services.AddControlPlaneKind<BackupTargetKind>();
        builder.Services.AddControlPlaneKind<BackupVolumeKind>();
        builder.Services.AddControlPlaneKind<SnapshotKind>();
        builder.Services.AddControlPlaneKind<SettingKind>();
        builder.Services.AddControlPlaneKind<EngineImageKind>();
        builder.Services.AddSingleton<KubernetesApiHost>();
        builder.Services.AddHostedService(sp => sp.GetRequiredService<KubernetesApiHost>());

        var app = builder.Build();
        var configuration = app.Configuration;
        var routePrefix = configuration[HostConfiguration.RoutePrefixKey] ?? "api";
        var dataDir = configuration[$"{LonghornOptions.Section}:DataDir"] is { Length: > 0 } dir ? dir : new LonghornOptions().DataDir;
        var keys = FunctionKeys.FromConfiguration(configuration, HostConfiguration.ListenAddress(configuration), dataDir);
        app.UseRequestGuard(routePrefix, HostConfiguration.ListenAddress(configuration));
        app.MapWebPage(routePrefix);
        app.MapFunctions(catalog, routePrefix, keys);
        app.Lifetime.ApplicationStarted.Register(() =>
        {
            var address = app.Urls.Count > 0 ? app.Urls.First() : "http://localhost";
            Console.WriteLine(FunctionListing.Format(catalog, address, routePrefix, configuration, keys));
            var kubernetes = app.Services.GetRequiredService<KubernetesApiHost>();
            Console.WriteLine($"Kubernetes API: {kubernetes.Url}\n\texport KUBECONFIG={kubernetes.KubeconfigPath}\n");
            Console.WriteLine(WebPage.BannerLine(address) + "\n");
        });
        return app;
    }
}
