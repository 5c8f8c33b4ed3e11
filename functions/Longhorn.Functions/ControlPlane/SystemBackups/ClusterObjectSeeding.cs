namespace Longhorn.Functions.ControlPlane.SystemBackups;

/// <summary>At start, gives a new cluster the objects of a Longhorn install (once), so a fresh host's first bundle is realistic.</summary>
public sealed class ClusterObjectSeeding(ClusterObjectTable table) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken) => table.SeedAsync(cancellationToken);

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
