using Longhorn.Functions.ControlPlane.SystemBackups;
using Longhorn.Functions.Resources;

namespace Longhorn.Functions.ControlPlane.RecurringJobs;

/// <summary>
/// The <c>system-backup</c> task (StartSystemBackupJob): one SystemBackup named like a job snapshot and labelled
/// with the job, waited for until Ready or Error, then count-based retention over the job's Ready and Error ones
/// by createdAt (Error ones, with none, go first); deleting one removes it from the store too.
/// </summary>
public sealed class SystemBackupJob(IResourceStore store, SystemBackupService systemBackups, ILogger<SystemBackupJob> logger)
{
    public async Task RunAsync(RecurringJob job, CancellationToken cancellationToken)
    {
        var name = ResourceNames.RecurringJobSnapshot(job.Name);
        var policy = job.Spec.Parameters.GetValueOrDefault("volume-backup-policy");
        try
        {
            await systemBackups.CreateAsync(name, policy, new Dictionary<string, string> { [SystemBackupLabels.RecurringJob] = job.Name }, cancellationToken)
                .ConfigureAwait(false);
            var done = await systemBackups.WaitUntilFinalAsync(name, cancellationToken).ConfigureAwait(false);
            logger.LogInformation("Recurring job {Job}: system backup {SystemBackup} ended {State}", job.Name, name, done?.Status.State ?? "deleted");
        }
        finally
        {
            await CleanupAsync(job, CancellationToken.None).ConfigureAwait(false);
        }
    }

    private async Task CleanupAsync(RecurringJob job, CancellationToken cancellationToken)
    {
        var mine = await store.ListAsync<SystemBackup>(LabelSelector.Of((SystemBackupLabels.RecurringJob, job.Name)), cancellationToken).ConfigureAwait(false);
        var finished = mine.Where(s => !s.IsDeleting && s.Status.State is SystemBackupStates.Ready or SystemBackupStates.Error);
        foreach (var expired in Retention.Expired(finished, s => s.Status.CreatedAt, RetentionPolicies.CountBased, job.Spec.Retain, TimeSpan.Zero,
                     DateTimeOffset.MinValue))
        {
            logger.LogInformation("Recurring job {Job}: deleting expired system backup {SystemBackup}", job.Name, expired.Name);
            try
            {
                await systemBackups.DeleteAsync(expired.Name, cancellationToken).ConfigureAwait(false);
            }
            catch (ControlPlaneException e)
            {
                logger.LogWarning("Recurring job {Job}: deleting system backup {SystemBackup} failed: {Reason}", job.Name, expired.Name, e.Message);
            }
        }
    }
}
