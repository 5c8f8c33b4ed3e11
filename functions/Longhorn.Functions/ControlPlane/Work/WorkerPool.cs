using Longhorn.Functions.Hosting;
using Microsoft.Extensions.Options;

namespace Longhorn.Functions.ControlPlane.Work;

/// <summary>N workers that take items off the <see cref="WorkQueue"/> and run their handlers; HTTP stays responsive meanwhile.</summary>
public sealed class WorkerPool : BackgroundService
{
    private readonly WorkQueue _queue;
    private readonly IReadOnlyDictionary<WorkKind, IWorkHandler> _handlers;
    private readonly int _workers;
    private readonly ILogger<WorkerPool> _logger;

    public WorkerPool(WorkQueue queue, IEnumerable<IWorkHandler> handlers, IOptions<LonghornOptions> options, ILogger<WorkerPool> logger)
    {
        _queue = queue;
        _handlers = handlers.ToDictionary(h => h.Kind);
        _workers = Math.Max(1, options.Value.Workers);
        _logger = logger;
    }

    protected override Task ExecuteAsync(CancellationToken stoppingToken) =>
        Task.WhenAll(Enumerable.Range(0, _workers).Select(_ => Task.Run(() => WorkAsync(stoppingToken), stoppingToken)));

    private async Task WorkAsync(CancellationToken stoppingToken)
    {
        try
        {
            await foreach (var item in _queue.Reader.ReadAllAsync(stoppingToken).ConfigureAwait(false))
            {
                using var linked = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken, _queue.TokenOf(item));
                try
                {
                    await _handlers[item.Kind].RunAsync(item.Name, linked.Token).ConfigureAwait(false);
                }
                catch (OperationCanceledException) when (linked.IsCancellationRequested)
                {
                    _logger.LogInformation("Work {Kind} for {Name} was cancelled", item.Kind, item.Name);
                }
                catch (Exception e)
                {
                    _logger.LogError(e, "Work {Kind} for {Name} failed", item.Kind, item.Name);
                }
                finally
                {
                    _queue.Finish(item);
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }
}
