using Microsoft.Azure.Functions.Worker;
using Microsoft.Azure.Functions.Worker.Middleware;

namespace Longhorn.Functions.Http;

/// <summary>Under the Azure Functions host, turns a failed HTTP function into problem+json, as the embedded host does.</summary>
public sealed class ProblemMiddleware : IFunctionsWorkerMiddleware
{
    public async Task Invoke(FunctionContext context, FunctionExecutionDelegate next)
    {
        try
        {
            await next(context).ConfigureAwait(false);
        }
        catch (Exception e) when (context.GetHttpContext() is not null)
        {
            var http = context.GetHttpContext()!;
            var error = e is AggregateException { InnerExceptions: [var inner] } ? inner : e;
            await Problems.From(error, http).ExecuteAsync(http).ConfigureAwait(false);
        }
    }
}
