using Longhorn.Functions.ControlPlane.Volumes;
using Microsoft.Azure.Functions.Worker;
using Longhorn.Functions.Http.Views;

namespace Longhorn.Functions.Http;

/// <summary>Snapshots of a volume.</summary>
public sealed class SnapshotFunctions(SnapshotService snapshots)
{
    [Function("CreateSnapshot")]
    public async Task<IResult> CreateAsync([HttpTrigger(AuthorizationLevel.Function, "post", Route = "volumes/{name}/snapshots")] HttpRequest request, string name,
        CancellationToken cancellationToken)
    {
        var body = await RequestBody.ReadAsync<SnapshotInput>(request, cancellationToken);
        var snapshot = await snapshots.CreateAsync(name, body.Name, body.Labels, cancellationToken);
        return Answers.Created(request, $"volumes/{name}/snapshots/{snapshot.Name}", SnapshotView.From(snapshot));
    }

    [Function("ListSnapshots")]
    public async Task<IResult> ListAsync([HttpTrigger(AuthorizationLevel.Function, "get", Route = "volumes/{name}/snapshots")] HttpRequest request, string name,
        CancellationToken cancellationToken) =>
        Answers.Page(request, "snapshotCR", await snapshots.ListAsync(name, cancellationToken), SnapshotView.From);

    [Function("DeleteSnapshot")]
    public async Task<IResult> DeleteAsync([HttpTrigger(AuthorizationLevel.Function, "delete", Route = "volumes/{name}/snapshots/{snapshot}")] HttpRequest request, string name,
        string snapshot, CancellationToken cancellationToken)
    {
        await snapshots.DeleteAsync(name, snapshot, cancellationToken);
        return Results.NoContent();
    }

    /// <summary>The body of POST volumes/{name}/snapshots.</summary>
    public sealed class SnapshotInput
    {
        public string? Name { get; set; }
        public Dictionary<string, string>? Labels { get; set; }
    }
}
