using System.Reflection;
using Longhorn.Functions.Http;

namespace Longhorn.Functions.Hosting;

/// <summary>
/// The embedded host's HTTP side: maps each function of <c>functions.metadata</c> to its route and methods, checks its
/// auth level, creates the function class as the Worker does (from DI), binds what the Worker would bind (the request,
/// route values by name, the cancellation token) and turns errors into problem+json.
/// </summary>
public static class HttpFunctionEndpoints
{
    public static void MapFunctions(this WebApplication app, FunctionCatalog catalog, string routePrefix, FunctionKeys keys)
    {
        foreach (var function in catalog.Http)
        {
            foreach (var parameter in function.Method.GetParameters()) CheckBindable(function, parameter);
            if (!typeof(Task<IResult>).IsAssignableFrom(function.Method.ReturnType))
                throw new InvalidOperationException($"function {function.Name} must return Task<IResult> to run in the embedded host");
            app.MapMethods(RoutePattern(routePrefix, function.Route), function.Methods, context => InvokeAsync(function, keys, context))
                .WithName(function.Name);
        }
    }

    public static string RoutePattern(string routePrefix, string route) =>
        "/" + string.Join('/', new[] { routePrefix.Trim('/'), route.Trim('/') }.Where(p => p.Length > 0));

    private static async Task InvokeAsync(HttpFunction function, FunctionKeys keys, HttpContext context)
    {
        IResult result;
        try
        {
            if (!keys.Allows(context.Request, function.AuthLevel))
            {
                result = Results.Problem(statusCode: StatusCodes.Status401Unauthorized, instance: context.Request.Path,
                    detail: $"function {function.Name} needs a key: send it as the x-functions-key header or the code query parameter");
            }
            else
            {
                var instance = ActivatorUtilities.CreateInstance(context.RequestServices, function.Type);
                var arguments = function.Method.GetParameters().Select(p => Bind(p, context)).ToArray();
                result = await ((Task<IResult>)function.Method.Invoke(instance, arguments)!).ConfigureAwait(false);
            }
        }
        catch (Exception e)
        {
            result = Problems.From(e is TargetInvocationException { InnerException: { } inner } ? inner : e, context);
        }
        await result.ExecuteAsync(context).ConfigureAwait(false);
    }

    private static void CheckBindable(HttpFunction function, ParameterInfo parameter)
    {
        var type = parameter.ParameterType;
        if (type == typeof(HttpRequest) || type == typeof(HttpContext) || type == typeof(CancellationToken)) return;
        if (type == typeof(string) && function.Route.Contains("{" + parameter.Name + "}", StringComparison.Ordinal)) return;
        throw new InvalidOperationException($"parameter {parameter.Name} of function {function.Name} cannot be bound by the embedded host");
    }

    private static object? Bind(ParameterInfo parameter, HttpContext context)
    {
        var type = parameter.ParameterType;
        if (type == typeof(HttpRequest)) return context.Request;
        if (type == typeof(HttpContext)) return context;
        if (type == typeof(CancellationToken)) return context.RequestAborted;
        return context.Request.RouteValues[parameter.Name!]?.ToString() ?? "";
    }
}
