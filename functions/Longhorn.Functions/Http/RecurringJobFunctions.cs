using Longhorn.Functions.ControlPlane.RecurringJobs;
using Microsoft.Azure.Functions.Worker;
using Longhorn.Functions.Http.Views;

namespace Longhorn.Functions.Http;

/// <summary>Recurring jobs and the storage classes that can give volumes jobs.</summary>
public sealed class RecurringJobFunctions(RecurringJobService jobs)
{
    [Function("ListRecurringJobs")]
    public async Task<IResult> ListAsync([HttpTrigger(AuthorizationLevel.Function, "get", Route = "recurringjobs")] HttpRequest request, CancellationToken cancellationToken) =>
        Answers.Page(request, "recurringJob", await jobs.ListAsync(cancellationToken), RecurringJobView.From);

    [Function("CreateRecurringJob")]
    public async Task<IResult> CreateAsync([HttpTrigger(AuthorizationLevel.Function, "post", Route = "recurringjobs")] HttpRequest request, CancellationToken cancellationToken)
    {
        var (job, _) = await jobs.SaveAsync(null, await RequestBody.ReadAsync<RecurringJobRequest>(request, cancellationToken), replace: false,
            cancellationToken);
        return Answers.Created(request, $"recurringjobs/{job.Name}", RecurringJobView.From(job));
    }

    [Function("GetRecurringJob")]
    public async Task<IResult> GetAsync([HttpTrigger(AuthorizationLevel.Function, "get", Route = "recurringjobs/{name}")] HttpRequest request, string name,
        CancellationToken cancellationToken) =>
        Answers.Ok(RecurringJobView.From(await jobs.GetAsync(name, cancellationToken)));

    [Function("PutRecurringJob")]
    public async Task<IResult> PutAsync([HttpTrigger(AuthorizationLevel.Function, "put", Route = "recurringjobs/{name}")] HttpRequest request, string name,
        CancellationToken cancellationToken)
    {
        var (job, created) = await jobs.SaveAsync(name, await RequestBody.ReadAsync<RecurringJobRequest>(request, cancellationToken), replace: true,
            cancellationToken);
        return created ? Answers.Created(request, $"recurringjobs/{job.Name}", RecurringJobView.From(job)) : Answers.Ok(RecurringJobView.From(job));
    }

    [Function("DeleteRecurringJob")]
    public async Task<IResult> DeleteAsync([HttpTrigger(AuthorizationLevel.Function, "delete", Route = "recurringjobs/{name}")] HttpRequest request, string name,
        CancellationToken cancellationToken)
    {
        await jobs.DeleteAsync(name, cancellationToken);
        return Results.NoContent();
    }

    [Function("PutStorageClass")]
    public async Task<IResult> PutStorageClassAsync([HttpTrigger(AuthorizationLevel.Function, "put", Route = "storageclasses/{name}")] HttpRequest request, string name,
        CancellationToken cancellationToken)
    {
        var body = await RequestBody.ReadAsync<StorageClassInput>(request, cancellationToken);
        return Answers.Ok(StorageClassView.From(await jobs.PutStorageClassAsync(name, body.Provisioner, body.Parameters, cancellationToken)));
    }

    [Function("GetStorageClass")]
    public async Task<IResult> GetStorageClassAsync([HttpTrigger(AuthorizationLevel.Function, "get", Route = "storageclasses/{name}")] HttpRequest request, string name,
        CancellationToken cancellationToken) =>
        Answers.Ok(StorageClassView.From(await jobs.GetStorageClassAsync(name, cancellationToken)));

    /// <summary>The body of PUT storageclasses/{name}.</summary>
    public sealed class StorageClassInput
    {
        public string? Provisioner { get; set; }
        public Dictionary<string, string>? Parameters { get; set; }
    }
}
