using Longhorn.Functions.ControlPlane.Targets;
using Microsoft.Azure.Functions.Worker;
using Longhorn.Functions.Http.Views;

namespace Longhorn.Functions.Http;

/// <summary>Backup volumes: listed from resources; synced and deleted in the background.</summary>
public sealed class BackupVolumeFunctions(BackupVolumeService backupVolumes)
{
    [Function("ListBackupVolumes")]
    public async Task<IResult> ListAsync([HttpTrigger(AuthorizationLevel.Function, "get", Route = "backupvolumes")] HttpRequest request, CancellationToken cancellationToken) =>
        Answers.Page(request, "backupVolume",
            await backupVolumes.ListAsync(cancellationToken), BackupVolumeView.From);

    [Function("GetBackupVolume")]
    public async Task<IResult> GetAsync([HttpTrigger(AuthorizationLevel.Function, "get", Route = "backupvolumes/{name}")] HttpRequest request, string name,
        CancellationToken cancellationToken) =>
        Answers.Ok(BackupVolumeView.From(await backupVolumes.GetAsync(name, cancellationToken)));

    [Function("DeleteBackupVolume")]
    public async Task<IResult> DeleteAsync([HttpTrigger(AuthorizationLevel.Function, "delete", Route = "backupvolumes/{name}")] HttpRequest request, string name,
        CancellationToken cancellationToken)
    {
        var deleting = await backupVolumes.DeleteAsync(name, cancellationToken);
        return deleting is null ? Results.NoContent() : Answers.Accepted(request, $"backupvolumes/{name}", BackupVolumeView.From(deleting));
    }

    [Function("SyncBackupVolume")]
    public async Task<IResult> SyncAsync([HttpTrigger(AuthorizationLevel.Function, "post", Route = "backupvolumes/{name}/sync")] HttpRequest request, string name,
        CancellationToken cancellationToken) =>
        Answers.Accepted(request, $"backupvolumes/{name}", BackupVolumeView.From(await backupVolumes.RequestSyncAsync(name, cancellationToken)));
}
