using Microsoft.Extensions.Options;

namespace Longhorn.Functions.ControlPlane.Work;

/// <summary>N workers that take items off the <see cref="WorkQueue"/> and run their handlers; HTTP stays responsive meanwhile.</summary>
public sealed class WorkerPool(WorkQueue queue, IEnumerable<IWorkHandler> handlers, IOptions<LonghornOptions> options,
    ILogger<WorkerPool> logger) : BackgroundService
{
    private readonly IReadOnlyDictionary<WorkKind, IWorkHandler> _handlers = handlers.ToDictionary(h => h.Kind);
    private readonly int _workers = Math.Max(1, options.Value.Workers);

    protected override Task ExecuteAsync(CancellationToken stoppingToken) =>
        Task.WhenAll(Enumerable.Range(0, _workers).Select(_ => Task.Run(() => WorkAsync(stoppingToken), stoppingToken)));

    private async Task WorkAsync(CancellationToken stoppingToken)
    {
        try
        {
            await foreach (var item in queue.Reader.ReadAllAsync(stoppingToken).ConfigureAwait(false))
            {
                using var linked = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken, queue.TokenOf(item));
                try
                {
                    await _handlers[item.Kind].RunAsync(item.Name, linked.Token).ConfigureAwait(false);
                }
                catch (OperationCanceledException) when (linked.IsCancellationRequested)
                {
                    logger.LogInformation("Work {Kind} for {Name} was cancelled", item.Kind, item.Name);
                }
                catch (Exception e)
                {
                    logger.LogError(e, "Work {Kind} for {Name} failed", item.Kind, item.Name);
                }
                finally
                {
                    queue.Finish(item);
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }
}
