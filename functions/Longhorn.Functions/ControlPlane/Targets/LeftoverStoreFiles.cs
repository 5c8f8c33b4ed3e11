using Longhorn.Functions.Resources;

namespace Longhorn.Functions.ControlPlane.Targets;

/// <summary>
/// At start, before any work runs: removes from each backup target the lock and temp files that this host's previous run
/// recorded in its <see cref="StoreFileJournal"/> and never saw gone (it was killed, or a removal failed), one log line per
/// file, and forgets them. Longhorn never deletes another writer's lock; these are the host's own. A target that cannot be
/// reached keeps its entries for the next start; a deleted target, or one that now points at another store, drops them.
/// </summary>
public sealed class LeftoverStoreFiles(StoreFileJournal journal, IResourceStore store, BackupStoreFactory stores,
    ILogger<LeftoverStoreFiles> logger) : IHostedService
{
    /// <summary>A target that does not answer within this time keeps its leftovers for the next start.</summary>
    private static readonly TimeSpan PerTarget = TimeSpan.FromSeconds(30);

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        foreach (var group in journal.Leftovers.GroupBy(e => e.Target, StringComparer.Ordinal))
        {
            using var bounded = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            bounded.CancelAfter(PerTarget);
            await RemoveAsync(group.Key, [.. group], bounded.Token).ConfigureAwait(false);
        }
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    private async Task RemoveAsync(string targetName, IReadOnlyList<StoreFileEntry> entries, CancellationToken cancellationToken)
    {
        try
        {
            var target = await store.GetAsync<BackupTarget>(targetName, cancellationToken).ConfigureAwait(false);
            if (target is null || target.Spec.BackupTargetURL.Length == 0)
            {
                logger.LogWarning("Forgetting {Count} leftover files of backup target {Target}: the target is gone", entries.Count, targetName);
                foreach (var entry in entries) journal.Forget(entry);
                return;
            }
            var backupStore = await stores.OpenAsync(target, cancellationToken).ConfigureAwait(false);
            foreach (var entry in entries)
            {
                if (entry.Url != backupStore.Driver.Url)
                {
                    logger.LogWarning("Forgetting leftover {File} of backup target {Target}: the target now points at {Url}, not {Recorded}",
                        entry.Path, targetName, backupStore.Driver.Url, entry.Url);
                }
                else if (await backupStore.RemoveLeftoverAsync(entry.Path, cancellationToken).ConfigureAwait(false))
                {
                    logger.LogInformation("Removed {File} from backup target {Target}: left by this host's previous run", entry.Path, targetName);
                }
                journal.Forget(entry);
            }
        }
        catch (Exception e) when (ExpectedFailure.Is(e) || e is OperationCanceledException)
        {
            logger.LogWarning("Leftover files of backup target {Target} stay recorded for the next start: {Reason}", targetName, e.Message);
        }
    }
}
