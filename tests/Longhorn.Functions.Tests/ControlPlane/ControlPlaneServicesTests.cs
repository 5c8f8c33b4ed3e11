using Longhorn.Functions.ControlPlane.SystemBackups;
using Longhorn.Functions.ControlPlane;
using Longhorn.Functions.ControlPlane.Settings;
using Longhorn.Functions.ControlPlane.Targets;
using Longhorn.Functions.ControlPlane.Work;
using Longhorn.Functions.Hosting;
using Longhorn.Functions.Tests.Support;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace Longhorn.Functions.Tests.ControlPlane;

/// <summary>The control plane's composition root stands on its own: every service resolves from configuration and logging alone.</summary>
public sealed class ControlPlaneServicesTests
{
    [Fact]
    public async Task AddControlPlane_registers_every_service_handler_and_background_service_from_configuration()
    {
        var dataDir = Directory.CreateTempSubdirectory("lh-services-").FullName;
        try
        {
            var configuration = new ConfigurationBuilder()
                .AddInMemoryCollection(new Dictionary<string, string?> { ["Longhorn:DataDir"] = dataDir, ["Longhorn:Workers"] = "3" })
                .Build();
            var services = new ServiceCollection().AddSingleton<IConfiguration>(configuration).AddLogging().AddControlPlane();
            await using var provider = services.BuildServiceProvider(new ServiceProviderOptions { ValidateOnBuild = true, ValidateScopes = true });

            Assert.Equal(3, provider.GetRequiredService<IOptions<LonghornOptions>>().Value.Workers);
            Assert.Equal(Enum.GetValues<WorkKind>().Order(), provider.GetServices<IWorkHandler>().Select(h => h.Kind).Order());
            // The cluster gets its install objects before startup reconciles anything; a killed run's leftovers go before any work; workers start last.
            Assert.Equal([typeof(ClusterObjectSeeding), typeof(ControlPlaneStartup), typeof(LeftoverStoreFiles), typeof(WorkerPool), typeof(Longhorn.Functions.Csi.VolumeProvisioner),
                typeof(Longhorn.Functions.Csi.SnapshotController)],
                provider.GetServices<IHostedService>().Select(s => s.GetType()));
            Assert.Same(TimeProvider.System, provider.GetRequiredService<TimeProvider>());
        }
        finally
        {
            FunctionHost.TryDelete(dataDir);
        }
    }
}
