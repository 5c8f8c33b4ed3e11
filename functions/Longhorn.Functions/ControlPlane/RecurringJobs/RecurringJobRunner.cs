using Longhorn.Functions.ControlPlane.Backups;
using Longhorn.Functions.ControlPlane.Settings;
using Longhorn.Functions.ControlPlane.Volumes;
using Longhorn.Functions.Resources;

namespace Longhorn.Functions.ControlPlane.RecurringJobs;

/// <summary>
/// One run of a recurring job (spec §4.2–4.4): counts the execution, selects volumes by job and group labels, and
/// runs the task on each with bounded concurrency, then applies count- or age-based retention to the job's items.
/// </summary>
public sealed class RecurringJobRunner(IResourceStore store, SnapshotService snapshotService, BackupService backupService, ReplicaRegistry replicas,
    LonghornSettings settings, TimeProvider time, ILogger<RecurringJobRunner> logger, SystemBackupJob systemBackups)
{
    public async Task RunAsync(string jobName, CancellationToken cancellationToken)
    {
        var job = await store.GetAsync<RecurringJob>(jobName, cancellationToken).ConfigureAwait(false);
        if (job is null || job.IsDeleting) return;
        GoDuration.TryParse(job.Spec.RetainAge, out var retainAge);
        if (job.Spec.RetentionPolicy == RetentionPolicies.AgeBased && retainAge == TimeSpan.Zero) return;
        job = await store.MutateAsync<RecurringJob>(jobName, j => j with { Status = j.Status with { ExecutionCount = j.Status.ExecutionCount + 1 } },
            cancellationToken).ConfigureAwait(false);
        if (job is null) return;
        if (job.Spec.Task == RecurringJobTasks.SystemBackup)
        {
            await systemBackups.RunAsync(job, cancellationToken).ConfigureAwait(false);
            return;
        }

        var volumes = await SelectVolumesAsync(job, cancellationToken).ConfigureAwait(false);
        logger.LogInformation("Recurring job {Job} ({Task}) run {Count} on {Volumes} volumes", jobName, job.Spec.Task, job.Status.ExecutionCount, volumes.Count);
        using var slots = new SemaphoreSlim(Math.Max(1, job.Spec.Concurrency));
        await Task.WhenAll(volumes.Select(async volume =>
        {
            await slots.WaitAsync(cancellationToken).ConfigureAwait(false);
            try
            {
                await RunOnVolumeAsync(job, volume, retainAge, cancellationToken).ConfigureAwait(false);
            }
            catch (Exception e) when (ExpectedFailure.Is(e))
            {
                logger.LogWarning("Recurring job {Job} failed on volume {Volume}: {Reason}", jobName, volume.Name, e.Message);
            }
            finally
            {
                slots.Release();
            }
        })).ConfigureAwait(false);
    }

    private async Task<IReadOnlyList<Volume>> SelectVolumesAsync(RecurringJob job, CancellationToken cancellationToken)
    {
        var selected = new Dictionary<string, Volume>(StringComparer.Ordinal);
        var keys = job.Spec.Groups.Select(g => LonghornLabels.RecurringJobGroupPrefix + g).Prepend(LonghornLabels.RecurringJobPrefix + job.Name);
        foreach (var key in keys)
        {
            foreach (var volume in await store.ListAsync<Volume>(LabelSelector.Of((key, LonghornLabels.Enabled)), cancellationToken).ConfigureAwait(false))
                selected[volume.Name] = volume;
        }
        var detachedAllowed = await settings.GetBoolAsync(SettingDefinitions.AllowRecurringJobWhileVolumeDetached, cancellationToken).ConfigureAwait(false);
        return selected.Values
            .Where(v => !v.IsDeleting && !v.Status.RestoreRequired && v.Status.Robustness != "faulted"
                        && (v.Status.State == VolumeStates.Attached || detachedAllowed))
            .OrderBy(v => v.Name, StringComparer.Ordinal)
            .ToList();
    }

    private async Task RunOnVolumeAsync(RecurringJob job, Volume volume, TimeSpan retainAge, CancellationToken cancellationToken)
    {
        var task = job.Spec.Task;
        switch (task)
        {
            case RecurringJobTasks.SnapshotCleanup or RecurringJobTasks.FilesystemTrim:
                await replicas.Get(volume.Name).PurgeAsync(cancellationToken).ConfigureAwait(false);
                await snapshotService.RefreshAsync(volume.Name, cancellationToken).ConfigureAwait(false);
                return;
            case RecurringJobTasks.SnapshotDelete:
            {
                var all = await snapshotService.ListAsync(volume.Name, cancellationToken).ConfigureAwait(false);
                await DeleteSnapshotsAsync(volume.Name, Retention.Expired(await NotInUseAsync(volume.Name, all, cancellationToken).ConfigureAwait(false),
                    s => Retention.ParseTime(s.Status.CreationTime), job.Spec.RetentionPolicy, job.Spec.Retain, retainAge, time.GetUtcNow()), cancellationToken)
                    .ConfigureAwait(false);
                return;
            }
        }

        var backup = RecurringJobTasks.IsBackup(task);
        if (task is RecurringJobTasks.Snapshot or RecurringJobTasks.Backup)
            await CleanupSnapshotsAsync(job, volume.Name, null, retainAge, cancellationToken).ConfigureAwait(false);
        var labels = new Dictionary<string, string>(job.Spec.Labels, StringComparer.Ordinal) { [LonghornLabels.RecurringJob] = job.Name };
        var snapshot = await snapshotService.CreateAsync(volume.Name, ResourceNames.RecurringJobSnapshot(job.Name), labels, cancellationToken).ConfigureAwait(false);
        if (!backup)
        {
            await CleanupSnapshotsAsync(job, volume.Name, snapshot.Name, retainAge, cancellationToken).ConfigureAwait(false);
            return;
        }

        var interval = int.TryParse(job.Spec.Parameters.GetValueOrDefault("full-backup-interval"), out var n) ? n : 0;
        var mode = interval != 0 && job.Status.ExecutionCount % interval == 0 ? BackupModes.Full : BackupModes.Incremental;
        var created = await backupService.CreateAsync(volume.Name, snapshot.Name, labels, mode, cancellationToken).ConfigureAwait(false);
        var done = await backupService.WaitUntilFinalAsync(created.Name, cancellationToken).ConfigureAwait(false);
        if (done?.Status.State != BackupStates.Completed)
            throw new ControlPlaneException(Problem.Unavailable, $"backup {created.Name} ended {done?.Status.State ?? "deleted"}: {done?.Status.Error}");
        try
        {
            await CleanupBackupsAsync(job, volume, retainAge, cancellationToken).ConfigureAwait(false);
            await CleanupSnapshotsAsync(job, volume.Name, snapshot.Name, retainAge, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (ExpectedFailure.Is(e))
        {
            logger.LogWarning("Recurring job {Job}: cleanup after backup {Backup} of volume {Volume} failed: {Reason}", job.Name, created.Name, volume.Name, e.Message);
        }
    }

    /// <summary>Backup retention: the job's backups of this backup volume (label RecurringJob=job), sorted by creation; expired ones are deleted.</summary>
    private async Task CleanupBackupsAsync(RecurringJob job, Volume volume, TimeSpan retainAge, CancellationToken cancellationToken)
    {
        var backups = await store.ListAsync<Backup>(LabelSelector.Of((LonghornLabels.BackupTarget, volume.Spec.BackupTargetName),
            (LonghornLabels.BackupVolume, volume.Name)), cancellationToken).ConfigureAwait(false);
        var mine = backups.Where(b => !b.IsDeleting && (b.Status.Labels.GetValueOrDefault(LonghornLabels.RecurringJob) == job.Name
                                                        || b.Spec.Labels.GetValueOrDefault(LonghornLabels.RecurringJob) == job.Name));
        foreach (var expired in Retention.Expired(mine, b => Retention.ParseTime(b.Status.BackupCreatedAt), job.Spec.RetentionPolicy, job.Spec.Retain,
                     retainAge, time.GetUtcNow()))
        {
            logger.LogInformation("Recurring job {Job}: deleting expired backup {Backup} of volume {Volume}", job.Name, expired.Name, volume.Name);
            await backupService.DeleteAsync(expired.Name, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// Snapshot retention over the job's snapshots: for backup tasks with auto-cleanup on, all but the current one and
    /// the last backup's; otherwise the policy. Snapshots a running backup reads are kept.
    /// </summary>
    private async Task CleanupSnapshotsAsync(RecurringJob job, string volumeName, string? current, TimeSpan retainAge, CancellationToken cancellationToken)
    {
        var all = await snapshotService.ListAsync(volumeName, cancellationToken).ConfigureAwait(false);
        var mine = await NotInUseAsync(volumeName, all.Where(s => s.Spec.Labels.GetValueOrDefault(LonghornLabels.RecurringJob) == job.Name).ToList(),
            cancellationToken).ConfigureAwait(false);
        IReadOnlyList<Snapshot> expired;
        if (RecurringJobTasks.IsBackup(job.Spec.Task)
            && await settings.GetBoolAsync(SettingDefinitions.AutoCleanupRecurringJobBackupSnapshot, cancellationToken).ConfigureAwait(false))
        {
            var volume = await store.GetAsync<Volume>(volumeName, cancellationToken).ConfigureAwait(false);
            var lastBackup = volume?.Status.LastBackup is { Length: > 0 } last ? await store.GetAsync<Backup>(last, cancellationToken).ConfigureAwait(false) : null;
            var keep = lastBackup?.Status.SnapshotName ?? lastBackup?.Spec.SnapshotName;
            expired = mine.Where(s => s.Name != current && s.Name != keep).ToList();
        }
        else
        {
            expired = Retention.Expired(mine, s => Retention.ParseTime(s.Status.CreationTime), job.Spec.RetentionPolicy, job.Spec.Retain, retainAge,
                time.GetUtcNow());
        }
        await DeleteSnapshotsAsync(volumeName, expired, cancellationToken).ConfigureAwait(false);
    }

    private async Task<IReadOnlyList<Snapshot>> NotInUseAsync(string volumeName, IReadOnlyList<Snapshot> snapshots, CancellationToken cancellationToken)
    {
        var backups = await store.ListAsync<Backup>(LabelSelector.Of((LonghornLabels.BackupVolume, volumeName)), cancellationToken).ConfigureAwait(false);
        var busy = backups.Where(b => !BackupStates.IsFinal(b.Status.State)).Select(b => b.Spec.SnapshotName).ToHashSet(StringComparer.Ordinal);
        return snapshots.Where(s => !busy.Contains(s.Name)).ToList();
    }

    private async Task DeleteSnapshotsAsync(string volumeName, IEnumerable<Snapshot> snapshots, CancellationToken cancellationToken)
    {
        foreach (var snapshot in snapshots)
            await snapshotService.DeleteAsync(volumeName, snapshot.Name, cancellationToken).ConfigureAwait(false);
    }
}
