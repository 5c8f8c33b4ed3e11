using Longhorn.Functions.Hosting;

namespace Longhorn.Functions.Http;

/// <summary>The host's liveness answer.</summary>
public sealed class HealthFunctions
{
    [Function("Health")]
    public Task<IResult> GetAsync([HttpTrigger("get", Route = "health")] HttpRequest request) =>
        Task.FromResult(Answers.Ok(new { status = "ok" }));
}
