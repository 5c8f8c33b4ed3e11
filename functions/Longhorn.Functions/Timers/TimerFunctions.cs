using Longhorn.Functions.ControlPlane;
using Longhorn.Functions.ControlPlane.RecurringJobs;
using Longhorn.Functions.ControlPlane.Work;
using Microsoft.Azure.Functions.Worker;
using Longhorn.Functions.Resources;

namespace Longhorn.Functions.Timers;

/// <summary>
/// The timer functions: the per-target poll (each target on its own pollInterval, 0 disables), the recurring-job
/// schedule (every job's cron checked each minute), and the reconciler of orphaned work.
/// </summary>
public sealed class TimerFunctions(IResourceStore store, WorkQueue work, RecurringJobScheduler scheduler, WorkReconciler reconciler, TimeProvider time)
{
    [Function("BackupTargetPoll")]
    public async Task PollAsync([TimerTrigger("%BackupTargetPollSchedule%")] TimerInfo timer, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        foreach (var target in await store.ListAsync<BackupTarget>(null, cancellationToken))
        {
            if (target.IsDeleting || target.Spec.PollInterval <= 0) continue;
            var last = target.Status.LastSyncedAt ?? DateTimeOffset.MinValue;
            if (now - last >= TimeSpan.FromSeconds(target.Spec.PollInterval)) work.Enqueue(WorkKind.SyncBackupTarget, target.Name);
        }
    }

    [Function("RecurringJobs")]
    public Task RunRecurringJobsAsync([TimerTrigger("%RecurringJobSchedule%")] TimerInfo timer, CancellationToken cancellationToken) =>
        scheduler.TickAsync(cancellationToken);

    [Function("Reconcile")]
    public Task ReconcileAsync([TimerTrigger("%ReconcileSchedule%")] TimerInfo timer, CancellationToken cancellationToken) =>
        reconciler.ReconcileAsync(cancellationToken);
}
