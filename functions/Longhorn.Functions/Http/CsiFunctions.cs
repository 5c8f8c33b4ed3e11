using System.Text.Json;
using System.Text.Json.Nodes;
using Longhorn.Functions.ControlPlane;
using Longhorn.Functions.Csi;
using Microsoft.Azure.Functions.Worker;

namespace Longhorn.Functions.Http;

/// <summary>
/// The CSI objects of seeds 001 and 003 through the functions: claims, volumes, snapshot classes, VolumeSnapshots and
/// contents, as the Kubernetes objects kubectl sends (a manifest as JSON). <c>?namespace=</c> names a namespaced
/// object's namespace (default <c>default</c>).
/// </summary>
public sealed class CsiFunctions(CsiObjects csi)
{
    [Function("ListCsiObjects")]
    public async Task<IResult> ListAsync([HttpTrigger(AuthorizationLevel.Function, "get", Route = "csi/{resource}")] HttpRequest request, string resource,
        CancellationToken cancellationToken) =>
        Answers.Ok(new { data = await csi.ListAsync(resource, NamespaceOf(request), cancellationToken) });

    [Function("CreateCsiObject")]
    public async Task<IResult> CreateAsync([HttpTrigger(AuthorizationLevel.Function, "post", Route = "csi/{resource}")] HttpRequest request, string resource,
        CancellationToken cancellationToken)
    {
        var created = await csi.CreateAsync(resource, await ReadObjectAsync(request, cancellationToken), cancellationToken);
        var metadata = created["metadata"]!;
        var query = (string?)metadata["namespace"] is { Length: > 0 } ns ? $"?namespace={ns}" : "";
        return Answers.Created(request, $"csi/{resource}/{(string?)metadata["name"]}{query}", created);
    }

    [Function("GetCsiObject")]
    public async Task<IResult> GetAsync([HttpTrigger(AuthorizationLevel.Function, "get", Route = "csi/{resource}/{name}")] HttpRequest request, string resource,
        string name, CancellationToken cancellationToken) =>
        Answers.Ok(await csi.GetAsync(resource, NamespaceOf(request), name, cancellationToken));

    [Function("DeleteCsiObject")]
    public async Task<IResult> DeleteAsync([HttpTrigger(AuthorizationLevel.Function, "delete", Route = "csi/{resource}/{name}")] HttpRequest request, string resource,
        string name, CancellationToken cancellationToken)
    {
        await csi.DeleteAsync(resource, NamespaceOf(request), name, cancellationToken);
        return Results.NoContent();
    }

    private static string? NamespaceOf(HttpRequest request) => request.Query["namespace"].ToString() is { Length: > 0 } ns ? ns : null;

    private static async Task<JsonObject> ReadObjectAsync(HttpRequest request, CancellationToken cancellationToken)
    {
        var body = await RequestBody.ReadBytesAsync(request, cancellationToken);
        try
        {
            return JsonNode.Parse(body) as JsonObject
                   ?? throw ControlPlaneException.Invalid("body", "the request body must be a JSON object (a Kubernetes manifest)");
        }
        catch (JsonException e)
        {
            throw ControlPlaneException.Invalid("body", $"the request body is not valid JSON: {e.Message}");
        }
    }
}
