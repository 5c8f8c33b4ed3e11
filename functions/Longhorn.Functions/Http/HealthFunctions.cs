using Microsoft.Azure.Functions.Worker;

namespace Longhorn.Functions.Http;

/// <summary>The host's liveness answer.</summary>
public sealed class HealthFunctions
{
    [Function("Health")]
    public Task<IResult> GetAsync([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "health")] HttpRequest request) =>
        Task.FromResult(Answers.Ok(new { status = "ok" }));
}
