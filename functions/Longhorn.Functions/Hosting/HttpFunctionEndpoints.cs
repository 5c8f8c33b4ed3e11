using System.Reflection;
using Longhorn.Functions.Http;

namespace Longhorn.Functions.Hosting;

/// <summary>Maps each HTTP function to an endpoint: binds the request, route values and the abort token, and turns errors into problem+json.</summary>
public static class HttpFunctionEndpoints
{
    public static void MapFunctions(this WebApplication app, FunctionCatalog catalog, string routePrefix)
    {
        foreach (var function in catalog.Http)
        {
            var pattern = "/" + string.Join('/', new[] { routePrefix.Trim('/'), function.Route.Trim('/') }.Where(p => p.Length > 0));
            app.MapMethods(pattern, function.Methods, context => InvokeAsync(function, context)).WithName(function.Name);
        }
    }

    private static async Task InvokeAsync(HttpFunction function, HttpContext context)
    {
        IResult result;
        try
        {
            var instance = context.RequestServices.GetRequiredService(function.Type);
            var arguments = function.Method.GetParameters().Select(p => Bind(p, context)).ToArray();
            var task = (Task<IResult>)function.Method.Invoke(instance, arguments)!;
            result = await task.ConfigureAwait(false);
        }
        catch (Exception e)
        {
            var error = e is TargetInvocationException { InnerException: { } inner } ? inner : e;
            result = Problems.From(error, context);
        }
        await result.ExecuteAsync(context).ConfigureAwait(false);
    }

    private static object? Bind(ParameterInfo parameter, HttpContext context)
    {
        if (parameter.ParameterType == typeof(HttpRequest)) return context.Request;
        if (parameter.ParameterType == typeof(HttpContext)) return context;
        if (parameter.ParameterType == typeof(CancellationToken)) return context.RequestAborted;
        if (parameter.ParameterType == typeof(string)) return context.Request.RouteValues[parameter.Name!]?.ToString() ?? "";
        throw new InvalidOperationException($"cannot bind parameter {parameter.Name} of {parameter.Member.Name}");
    }
}
