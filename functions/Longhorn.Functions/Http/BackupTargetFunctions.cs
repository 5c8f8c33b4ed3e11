using Longhorn.Engine.Checks;
using Longhorn.Functions.ControlPlane.Targets;
using Microsoft.Azure.Functions.Worker;
using Longhorn.Functions.Http.Views;
using Longhorn.Functions.Resources;

namespace Longhorn.Functions.Http;

/// <summary>Backup targets, their store check, and credential secrets.</summary>
public sealed class BackupTargetFunctions(BackupTargetService targets, BackupTargetCheck checks)
{
    [Function("ListBackupTargets")]
    public async Task<IResult> ListAsync([HttpTrigger(AuthorizationLevel.Function, "get", Route = "backuptargets")] HttpRequest request, CancellationToken cancellationToken) =>
        Answers.Page(request, "backupTarget",
            await targets.ListAsync(cancellationToken), BackupTargetView.From);

    [Function("GetBackupTarget")]
    public async Task<IResult> GetAsync([HttpTrigger(AuthorizationLevel.Function, "get", Route = "backuptargets/{name}")] HttpRequest request, string name,
        CancellationToken cancellationToken) =>
        Answers.Ok(BackupTargetView.From(await targets.GetAsync(name, cancellationToken)));

    [Function("PutBackupTarget")]
    public async Task<IResult> PutAsync([HttpTrigger(AuthorizationLevel.Function, "put", Route = "backuptargets/{name}")] HttpRequest request, string name,
        CancellationToken cancellationToken)
    {
        var body = await RequestBody.ReadAsync<BackupTargetInput>(request, cancellationToken);
        var spec = new BackupTargetSpec
        {
            BackupTargetURL = body.BackupTargetURL ?? "",
            CredentialSecret = body.CredentialSecret ?? "",
            PollInterval = body.PollInterval ?? 300,
        };
        var (target, created) = await targets.PutAsync(name, spec, body.ResourceVersion, cancellationToken);
        var view = BackupTargetView.From(target);
        return created ? Answers.Created(request, $"backuptargets/{name}", view) : Answers.Ok(view);
    }

    [Function("DeleteBackupTarget")]
    public async Task<IResult> DeleteAsync([HttpTrigger(AuthorizationLevel.Function, "delete", Route = "backuptargets/{name}")] HttpRequest request, string name,
        CancellationToken cancellationToken)
    {
        await targets.DeleteAsync(name, cancellationToken);
        return Results.NoContent();
    }

    [Function("SyncBackupTarget")]
    public async Task<IResult> SyncAsync([HttpTrigger(AuthorizationLevel.Function, "post", Route = "backuptargets/{name}/sync")] HttpRequest request, string name,
        CancellationToken cancellationToken) =>
        Answers.Accepted(request, $"backuptargets/{name}", BackupTargetView.From(await targets.RequestSyncAsync(name, cancellationToken)));

    [Function("CheckBackupTarget")]
    public async Task<IResult> CheckAsync([HttpTrigger(AuthorizationLevel.Function, "post", Route = "backuptargets/{name}/check")] HttpRequest request, string name,
        CancellationToken cancellationToken)
    {
        var body = await RequestBody.ReadAsync<StoreCheckInput>(request, cancellationToken);
        var check = new StoreCheckRequest { VolumeName = body.Volume, ReadData = body.ReadData ?? false, Prune = body.Prune ?? false };
        return Answers.Ok(await checks.RunAsync(name, check, cancellationToken));
    }

    [Function("PutSecret")]
    public async Task<IResult> PutSecretAsync([HttpTrigger(AuthorizationLevel.Function, "put", Route = "secrets/{name}")] HttpRequest request, string name,
        CancellationToken cancellationToken)
    {
        var body = await RequestBody.ReadAsync<SecretInput>(request, cancellationToken);
        return Answers.Ok(SecretView.From(await targets.PutSecretAsync(name, body.Data ?? new Dictionary<string, string>(), cancellationToken)));
    }

    /// <summary>The body of PUT backuptargets/{name}.</summary>
    public sealed class BackupTargetInput
    {
        public string? BackupTargetURL { get; set; }
        public string? CredentialSecret { get; set; }
        public long? PollInterval { get; set; }
        public string? ResourceVersion { get; set; }
    }

    /// <summary>The body of POST backuptargets/{name}/check; every member optional (an empty body checks the whole target).</summary>
    public sealed class StoreCheckInput
    {
        public string? Volume { get; set; }
        public bool? ReadData { get; set; }
        public bool? Prune { get; set; }
    }

    /// <summary>The body of PUT secrets/{name}.</summary>
    public sealed class SecretInput
    {
        public Dictionary<string, string>? Data { get; set; }
    }
}
