using Longhorn.Functions.Resources;
using System.Globalization;
using Longhorn.Functions.ControlPlane;

namespace Longhorn.Functions.Http;

/// <summary>The shapes of function answers: JSON in the host's one format, with a Location when something was made.</summary>
public static class Answers
{
    public static IResult Ok(object value) => Results.Json(value, Json.Options);

    /// <summary>201 with the Location of the function route (under the host's route prefix) that reads what was made.</summary>
    public static IResult Created(HttpRequest request, string route, object value) =>
        Results.Json(value, Json.Options, statusCode: StatusCodes.Status201Created).WithLocation(FunctionRoutes.PathOf(request, route));

    /// <summary>202 with the Location of the function route to poll.</summary>
    public static IResult Accepted(HttpRequest request, string route, object value) =>
        Results.Json(value, Json.Options, statusCode: StatusCodes.Status202Accepted).WithLocation(FunctionRoutes.PathOf(request, route));

    /// <summary>An optional non-negative integer query parameter; 400 naming it when malformed.</summary>
    public static long? QueryLong(HttpRequest request, string name)
    {
        var text = request.Query[name].ToString();
        if (text.Length == 0) return null;
        return long.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var value)
            ? value
            : throw ControlPlaneException.Invalid(name, $"{name} '{text}' is not an integer");
    }

    private static IResult WithLocation(this IResult result, string location) => new LocatedResult(result, location);

    private sealed class LocatedResult(IResult inner, string location) : IResult
    {
        public Task ExecuteAsync(HttpContext httpContext)
        {
            httpContext.Response.Headers.Location = location;
            return inner.ExecuteAsync(httpContext);
        }
    }
}
