using Longhorn.Engine;
using Longhorn.Engine.Checks;
using Longhorn.Engine.Format;

namespace Longhorn.Functions.ControlPlane.Targets;

/// <summary>
/// Runs the engine's store check (restic's check and prune) on a backup target's store, the whole target or one backup
/// volume, while the caller waits: the answer is the report.
/// </summary>
public sealed class BackupTargetCheck(BackupTargetService targets, BackupStoreFactory stores, ILogger<BackupTargetCheck> logger)
{
    public async Task<StoreCheckReport> RunAsync(string targetName, StoreCheckRequest request, CancellationToken cancellationToken)
    {
        try
        {
            if (request.VolumeName is { } volume) Names.Validate(volume, "volume");
        }
        catch (BackupStoreArgumentException e)
        {
            throw ControlPlaneException.Invalid("volume", e.Message);
        }
        var target = await targets.GetAsync(targetName, cancellationToken).ConfigureAwait(false);
        if (target.Spec.BackupTargetURL.Length == 0 || !target.Status.Available)
            throw ControlPlaneException.Conflict("name", $"backup target {targetName} is not available" +
                (target.Status.Conditions.FirstOrDefault()?.Message is { } why ? ": " + why : ""));
        var backupStore = await stores.OpenAsync(target, cancellationToken).ConfigureAwait(false);
        try
        {
            var report = await backupStore.CheckAsync(request, cancellationToken).ConfigureAwait(false);
            logger.LogInformation("Checked backup target {Target} (volume {Volume}, read data {ReadData}, prune {Prune}): consistent {Consistent}",
                targetName, request.VolumeName ?? "(all)", request.ReadData, request.Prune, report.IsConsistent);
            return report;
        }
        catch (BackupStoreNotFoundException e) when (request.VolumeName is not null)
        {
            throw ControlPlaneException.NotFound("volume", e.Message);
        }
        catch (BackupStoreException e)
        {
            // The store stopped answering mid-check: nothing is wrong with the request, so not a 4xx and not a bug either.
            throw new ControlPlaneException(Problem.Unavailable, $"backup target {targetName} is not available: {e.Message}", "name");
        }
    }
}
