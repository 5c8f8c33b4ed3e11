using Longhorn.Functions.Resources;
using System.Globalization;
using Longhorn.Functions.ControlPlane;
using Longhorn.Functions.Http.Views;

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

    /// <summary>
    /// A list, in name order, one page at a time when asked: <c>?limit=N</c> gives at most N items and a <c>continue</c>
    /// token when more follow; <c>?continue=</c> that token gives the next page (items after the last name returned, so
    /// a page is never repeated or skipped when items come or go between calls).
    /// </summary>
    public static IResult Page<T>(HttpRequest request, string resourceType, IEnumerable<T> items, Func<T, string> name)
    {
        var limit = QueryLong(request, "limit");
        if (limit is <= 0) throw ControlPlaneException.Invalid("limit", $"limit {limit} must be a positive number");
        var after = request.Query["continue"].ToString();
        string? from = null;
        if (after.Length > 0)
        {
            try
            {
                from = System.Text.Encoding.UTF8.GetString(Convert.FromBase64String(after));
            }
            catch (FormatException)
            {
                throw ControlPlaneException.Invalid("continue", $"continue token {after} is not one this host gave");
            }
        }
        var ordered = items.OrderBy(name, StringComparer.Ordinal).Where(i => from is null || string.CompareOrdinal(name(i), from) > 0);
        if (limit is not { } count) return Ok(new Collection<T>(resourceType, ordered.ToList()));
        var page = ordered.Take((int)Math.Min(count, int.MaxValue) + 1).ToList();
        var more = page.Count > count;
        if (more) page.RemoveAt(page.Count - 1);
        var token = more ? Convert.ToBase64String(System.Text.Encoding.UTF8.GetBytes(name(page[^1]))) : null;
        return Ok(new Collection<T>(resourceType, page, token));
    }

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
