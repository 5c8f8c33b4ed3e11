using Longhorn.Functions.ControlPlane.Volumes;
using Microsoft.Azure.Functions.Worker;
using Longhorn.Functions.Http.Views;
using Microsoft.AspNetCore.Http.Features;

namespace Longhorn.Functions.Http;

/// <summary>Volumes (create, restore, list, delete) and their data, streamed both ways.</summary>
public sealed class VolumeFunctions(VolumeService volumes)
{
    private const int ReadChunk = 1024 * 1024;

    [Function("CreateVolume")]
    public async Task<IResult> CreateAsync([HttpTrigger(AuthorizationLevel.Function, "post", Route = "volumes")] HttpRequest request, CancellationToken cancellationToken)
    {
        var volume = await volumes.CreateAsync(await RequestBody.ReadAsync<VolumeRequest>(request, cancellationToken), cancellationToken);
        return Answers.Created(request, $"volumes/{volume.Name}", VolumeView.From(volume));
    }

    [Function("ListVolumes")]
    public async Task<IResult> ListAsync([HttpTrigger(AuthorizationLevel.Function, "get", Route = "volumes")] HttpRequest request, CancellationToken cancellationToken) =>
        Answers.Page(request, "volume", await volumes.ListAsync(cancellationToken), VolumeView.From);

    [Function("GetVolume")]
    public async Task<IResult> GetAsync([HttpTrigger(AuthorizationLevel.Function, "get", Route = "volumes/{name}")] HttpRequest request, string name,
        CancellationToken cancellationToken) =>
        Answers.Ok(VolumeView.From(await volumes.GetAsync(name, cancellationToken)));

    [Function("DeleteVolume")]
    public async Task<IResult> DeleteAsync([HttpTrigger(AuthorizationLevel.Function, "delete", Route = "volumes/{name}")] HttpRequest request, string name,
        CancellationToken cancellationToken)
    {
        await volumes.DeleteAsync(name, cancellationToken);
        return Results.NoContent();
    }

    [Function("ActivateVolume")]
    public async Task<IResult> ActivateAsync([HttpTrigger(AuthorizationLevel.Function, "post", Route = "volumes/{name}/activate")] HttpRequest request, string name,
        CancellationToken cancellationToken) =>
        Answers.Accepted(request, $"volumes/{name}", VolumeView.From(await volumes.ActivateAsync(name, cancellationToken)));

    [Function("UpdateVolumeLabels")]
    public async Task<IResult> UpdateLabelsAsync([HttpTrigger(AuthorizationLevel.Function, "patch", Route = "volumes/{name}")] HttpRequest request, string name,
        CancellationToken cancellationToken)
    {
        var body = await RequestBody.ReadAsync<VolumeLabelsInput>(request, cancellationToken);
        return Answers.Ok(VolumeView.From(await volumes.UpdateLabelsAsync(name, body.Labels ?? new Dictionary<string, string?>(), cancellationToken)));
    }

    [Function("WriteVolumeData")]
    public async Task<IResult> WriteAsync([HttpTrigger(AuthorizationLevel.Function, "put", Route = "volumes/{name}/data")] HttpRequest request, string name,
        CancellationToken cancellationToken)
    {
        // Volume data is streamed; Kestrel's 30 MB body cap is for JSON requests.
        if (request.HttpContext.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } limit) limit.MaxRequestBodySize = null;
        var offset = Answers.QueryLong(request, "offset") ?? 0;
        var written = await volumes.WriteAsync(name, offset, request.ContentLength, request.Body, cancellationToken);
        return Answers.Ok(new { volume = name, offset, length = written });
    }

    [Function("ReadVolumeData")]
    public async Task<IResult> ReadAsync([HttpTrigger(AuthorizationLevel.Function, "get", Route = "volumes/{name}/data")] HttpRequest request, string name,
        CancellationToken cancellationToken)
    {
        var offset = Answers.QueryLong(request, "offset") ?? 0;
        var (replica, length) = await volumes.OpenReadAsync(name, offset, Answers.QueryLong(request, "length"), cancellationToken);
        return Results.Stream(async body =>
        {
            var buffer = System.Buffers.ArrayPool<byte>.Shared.Rent(ReadChunk);
            try
            {
                for (long done = 0; done < length;)
                {
                    var count = (int)Math.Min(ReadChunk, length - done);
                    await replica.ReadAsync(offset + done, buffer.AsMemory(0, count), cancellationToken);
                    await body.WriteAsync(buffer.AsMemory(0, count), cancellationToken);
                    done += count;
                }
            }
            finally
            {
                System.Buffers.ArrayPool<byte>.Shared.Return(buffer);
            }
        }, "application/octet-stream");
    }
}

/// <summary>PATCH /api/volumes/{name}: labels to set, or to remove with null.</summary>
public sealed class VolumeLabelsInput
{
    public Dictionary<string, string?>? Labels { get; set; }
}
