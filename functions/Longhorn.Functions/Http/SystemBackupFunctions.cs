using Longhorn.Functions.ControlPlane.SystemBackups;
using Longhorn.Functions.ControlPlane.SystemRestores;
using Longhorn.Functions.Http.Views;
using Microsoft.Azure.Functions.Worker;

namespace Longhorn.Functions.Http;

/// <summary>System backups of the cluster to the default target (202 and a Location to poll), and system restores from them.</summary>
public sealed class SystemBackupFunctions(SystemBackupService systemBackups, SystemRestoreService systemRestores)
{
    [Function("CreateSystemBackup")]
    public async Task<IResult> CreateAsync([HttpTrigger(AuthorizationLevel.Function, "post", Route = "systembackups")] HttpRequest request,
        CancellationToken cancellationToken)
    {
        var body = await RequestBody.ReadAsync<SystemBackupInput>(request, cancellationToken);
        var created = await systemBackups.CreateAsync(body.Name, body.VolumeBackupPolicy, body.Labels, cancellationToken);
        return Answers.Accepted(request, $"systembackups/{created.Name}", SystemBackupView.From(created));
    }

    [Function("ListSystemBackups")]
    public async Task<IResult> ListAsync([HttpTrigger(AuthorizationLevel.Function, "get", Route = "systembackups")] HttpRequest request,
        CancellationToken cancellationToken) =>
        Answers.Page(request, "systemBackup", await systemBackups.ListAsync(cancellationToken), SystemBackupView.From);

    [Function("GetSystemBackup")]
    public async Task<IResult> GetAsync([HttpTrigger(AuthorizationLevel.Function, "get", Route = "systembackups/{name}")] HttpRequest request, string name,
        CancellationToken cancellationToken) =>
        Answers.Ok(SystemBackupView.From(await systemBackups.GetAsync(name, cancellationToken)));

    [Function("DeleteSystemBackup")]
    public async Task<IResult> DeleteAsync([HttpTrigger(AuthorizationLevel.Function, "delete", Route = "systembackups/{name}")] HttpRequest request, string name,
        CancellationToken cancellationToken)
    {
        var deleting = await systemBackups.DeleteAsync(name, cancellationToken);
        return deleting is null ? Results.NoContent() : Answers.Accepted(request, $"systembackups/{name}", SystemBackupView.From(deleting));
    }

    [Function("CreateSystemRestore")]
    public async Task<IResult> CreateRestoreAsync([HttpTrigger(AuthorizationLevel.Function, "post", Route = "systemrestores")] HttpRequest request,
        CancellationToken cancellationToken)
    {
        var body = await RequestBody.ReadAsync<SystemRestoreInput>(request, cancellationToken);
        var created = await systemRestores.CreateAsync(body.Name, body.SystemBackup, cancellationToken);
        return Answers.Accepted(request, $"systemrestores/{created.Name}", SystemRestoreView.From(created));
    }

    [Function("ListSystemRestores")]
    public async Task<IResult> ListRestoresAsync([HttpTrigger(AuthorizationLevel.Function, "get", Route = "systemrestores")] HttpRequest request,
        CancellationToken cancellationToken) =>
        Answers.Page(request, "systemRestore", await systemRestores.ListAsync(cancellationToken), SystemRestoreView.From);

    [Function("GetSystemRestore")]
    public async Task<IResult> GetRestoreAsync([HttpTrigger(AuthorizationLevel.Function, "get", Route = "systemrestores/{name}")] HttpRequest request,
        string name, CancellationToken cancellationToken) =>
        Answers.Ok(SystemRestoreView.From(await systemRestores.GetAsync(name, cancellationToken)));

    [Function("DeleteSystemRestore")]
    public async Task<IResult> DeleteRestoreAsync([HttpTrigger(AuthorizationLevel.Function, "delete", Route = "systemrestores/{name}")] HttpRequest request,
        string name, CancellationToken cancellationToken)
    {
        await systemRestores.DeleteAsync(name, cancellationToken);
        return Results.NoContent();
    }

    /// <summary>The body of POST systembackups.</summary>
    public sealed class SystemBackupInput
    {
        public string? Name { get; set; }
        public string? VolumeBackupPolicy { get; set; }
        public Dictionary<string, string>? Labels { get; set; }
    }

    /// <summary>The body of POST systemrestores.</summary>
    public sealed class SystemRestoreInput
    {
        public string? Name { get; set; }
        public string? SystemBackup { get; set; }
    }
}
