using System.Collections.Concurrent;
using Longhorn.Functions.Resources;

namespace Longhorn.Functions.ControlPlane.RecurringJobs;

/// <summary>
/// Decides each minute which jobs are due (a cron occurrence since the last check) and starts them in the
/// background; a job still running is not started again (the CronJob's concurrencyPolicy: Forbid).
/// </summary>
public sealed class RecurringJobScheduler(IResourceStore store, RecurringJobRunner runner, HostIdentity host, TimeProvider time,
    ILogger<RecurringJobScheduler> logger) : IDisposable
{
    private readonly ConcurrentDictionary<string, DateTimeOffset> _checked = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, (string Cron, DateTimeOffset Next)> _due = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, Task> _running = new(StringComparer.Ordinal);
    private readonly CancellationTokenSource _stopping = new();

    /// <summary>The runs started by the last ticks that are still going.</summary>
    public IReadOnlyCollection<Task> Running => _running.Values.ToList();

    public async Task TickAsync(CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        foreach (var job in await store.ListAsync<RecurringJob>(null, cancellationToken).ConfigureAwait(false))
        {
            if (job.IsDeleting) continue;
            // Jobs count their schedule from the host's start, not from the first tick.
            var since = _checked.GetValueOrDefault(job.Name, Max(host.StartedAt, job.Metadata.CreationTimestamp ?? host.StartedAt));
            _checked[job.Name] = now;
            var cron = RecurringJobCron.TryParse(job.Spec.Cron, out _);
            if (cron is null) continue;
            // The next occurrence is kept between ticks, so @every counts from the last run, not from the last tick.
            var due = _due.TryGetValue(job.Name, out var known) && known.Cron == job.Spec.Cron ? known.Next : cron.Next(since);
            _due[job.Name] = (job.Spec.Cron, due > now ? due : cron.Next(now));
            if (due > now) continue;
            if (_running.TryGetValue(job.Name, out var run) && !run.IsCompleted)
            {
                logger.LogInformation("Recurring job {Job} is due but its last run is still going; skipped", job.Name);
                continue;
            }
            _running[job.Name] = Task.Run(() => RunAsync(job.Name), CancellationToken.None);
        }
    }

    public void Dispose()
    {
        // Not disposed: runs still starting may read its token; cancelling is what stops them.
        _stopping.Cancel();
    }

    private async Task RunAsync(string name)
    {
        try
        {
            await runner.RunAsync(name, _stopping.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (_stopping.IsCancellationRequested)
        {
        }
        catch (Exception e)
        {
            logger.LogError(e, "Recurring job {Job} failed", name);
        }
    }

    private static DateTimeOffset Max(DateTimeOffset a, DateTimeOffset b) => a > b ? a : b;
}
