using Longhorn.Functions.ControlPlane.Backups;
using Microsoft.Azure.Functions.Worker;
using Longhorn.Functions.Http.Views;

namespace Longhorn.Functions.Http;

/// <summary>Backups: requested per volume (202 and a Location to poll), listed and read from resources, deleted asynchronously.</summary>
public sealed class BackupFunctions(BackupService backups)
{
    [Function("CreateBackup")]
    public async Task<IResult> CreateAsync([HttpTrigger(AuthorizationLevel.Function, "post", Route = "volumes/{name}/backups")] HttpRequest request, string name,
        CancellationToken cancellationToken)
    {
        var body = await RequestBody.ReadAsync<BackupInput>(request, cancellationToken);
        var backup = await backups.CreateAsync(name, body.SnapshotName, body.Labels, body.BackupMode, cancellationToken);
        return Answers.Accepted(request, $"backups/{backup.Name}", BackupView.From(backup));
    }

    [Function("ListBackups")]
    public async Task<IResult> ListAsync([HttpTrigger(AuthorizationLevel.Function, "get", Route = "backups")] HttpRequest request, CancellationToken cancellationToken) =>
        Answers.Page(request, "backup",
            await backups.ListAsync(request.Query["volume"].ToString(), cancellationToken), BackupView.From);

    [Function("GetBackup")]
    public async Task<IResult> GetAsync([HttpTrigger(AuthorizationLevel.Function, "get", Route = "backups/{name}")] HttpRequest request, string name,
        CancellationToken cancellationToken) =>
        Answers.Ok(BackupView.From(await backups.GetAsync(name, cancellationToken)));

    [Function("DeleteBackup")]
    public async Task<IResult> DeleteAsync([HttpTrigger(AuthorizationLevel.Function, "delete", Route = "backups/{name}")] HttpRequest request, string name,
        CancellationToken cancellationToken)
    {
        var deleting = await backups.DeleteAsync(name, cancellationToken);
        return deleting is null ? Results.NoContent() : Answers.Accepted(request, $"backups/{name}", BackupView.From(deleting));
    }

    /// <summary>The body of POST volumes/{name}/backups.</summary>
    public sealed class BackupInput
    {
        public string? SnapshotName { get; set; }
        public Dictionary<string, string>? Labels { get; set; }
        public string? BackupMode { get; set; }
    }
}
