using Longhorn.Functions.ControlPlane;
using Longhorn.Functions.ControlPlane.RecurringJobs;
using Longhorn.Functions.ControlPlane.Targets;
using Longhorn.Functions.ControlPlane.Work;
using Microsoft.Azure.Functions.Worker;
using Longhorn.Functions.Resources;

namespace Longhorn.Functions.Timers;

/// <summary>
/// The timer functions: the per-target poll (each target on its own pollInterval, 0 disables), the recurring-job
/// schedule (every job's cron checked each minute), and the reconciler of orphaned work.
/// </summary>
public sealed class TimerFunctions(IResourceStore store, WorkQueue work, TargetPolls polls, RecurringJobScheduler scheduler, WorkReconciler reconciler,
    TimeProvider time, ILogger<TimerFunctions> logger)
{
    [Function("BackupTargetPoll")]
    public async Task PollAsync([TimerTrigger("%BackupTargetPollSchedule%")] TimerInfo timer, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        foreach (var target in await store.ListAsync<BackupTarget>(null, cancellationToken))
        {
            // One target's bad data (an interval no Go duration holds, written before it was checked) is its own
            // problem: it is logged and skipped, and every other target is still polled.
            try
            {
                if (polls.IsDue(target, now)) work.Enqueue(WorkKind.SyncBackupTarget, target.Name);
            }
            catch (Exception e) when (e is ArgumentException or OverflowException)
            {
                logger.LogWarning("Backup target {Target} is not polled: {Reason}", target.Name, e.Message);
            }
        }
    }

    [Function("RecurringJobs")]
    public Task RunRecurringJobsAsync([TimerTrigger("%RecurringJobSchedule%")] TimerInfo timer, CancellationToken cancellationToken) =>
        scheduler.TickAsync(cancellationToken);

    [Function("Reconcile")]
    public Task ReconcileAsync([TimerTrigger("%ReconcileSchedule%")] TimerInfo timer, CancellationToken cancellationToken) =>
        reconciler.ReconcileAsync(cancellationToken);
}
