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
    /// A list of resources as their views, in name order, one page at a time when asked: <c>?limit=N</c> gives at most N
    /// items and a <c>continue</c> token when more follow; <c>?continue=</c> that token gives the next page (items after
    /// the last name returned, so a page is never repeated or skipped when items come or go between calls). The answer is
    /// a <see cref="Collection{T}"/> of the views.
    /// </summary>
    public static IResult Page<TResource, TView>(HttpRequest request, string resourceType, IEnumerable<TResource> items, Func<TResource, TView> view)
        where TResource : Resource
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
        // The resource store lists in name order already; sorting again is for other sources only.
        var list = items as IReadOnlyList<TResource> ?? items.ToList();
        var sorted = true;
        for (var i = 1; i < list.Count && sorted; i++) sorted = string.CompareOrdinal(list[i - 1].Name, list[i].Name) <= 0;
        var ordered = (sorted ? list : (IEnumerable<TResource>)list.OrderBy(i => i.Name, StringComparer.Ordinal)).Where(i => from is null || string.CompareOrdinal(i.Name, from) > 0);
        if (limit is not { } count) return new CollectionResult<TResource, TView>(resourceType, ordered.ToList(), view, null);
        var page = ordered.Take((int)Math.Min(count, int.MaxValue) + 1).ToList();
        var more = page.Count > count;
        if (more) page.RemoveAt(page.Count - 1);
        var token = more ? Convert.ToBase64String(System.Text.Encoding.UTF8.GetBytes(page[^1].Name)) : null;
        return new CollectionResult<TResource, TView>(resourceType, page, view, token);
    }

    /// <summary>
    /// A <see cref="Collection{T}"/> of views written as <see cref="Json.Options"/> writes it, each view's JSON kept with
    /// the resource it was made from: resources are immutable records and the resource store hands out one instance per
    /// version, so a list answered again serializes only the resources that changed since. A view is made from its
    /// resource alone.
    /// </summary>
    private sealed class CollectionResult<TResource, TView>(string resourceType, IReadOnlyList<TResource> items, Func<TResource, TView> view,
        string? continueToken) : IResult where TResource : Resource
    {
        private static readonly System.Runtime.CompilerServices.ConditionalWeakTable<TResource, byte[]> Written = new();
        private const int FlushBytes = 64 * 1024;

        public async Task ExecuteAsync(HttpContext httpContext)
        {
            var response = httpContext.Response;
            response.StatusCode = StatusCodes.Status200OK;
            response.ContentType = "application/json; charset=utf-8";
            var body = response.BodyWriter;
            await using var writer = new System.Text.Json.Utf8JsonWriter(body, new System.Text.Json.JsonWriterOptions { Encoder = Json.Options.Encoder });
            writer.WriteStartObject();
            writer.WriteString("resourceType", resourceType);
            writer.WriteStartArray("data");
            foreach (var item in items)
            {
                writer.WriteRawValue(Written.GetValue(item, i => System.Text.Json.JsonSerializer.SerializeToUtf8Bytes(view(i), Json.Options)), skipInputValidation: true);
                if (writer.BytesPending < FlushBytes) continue;
                await writer.FlushAsync(httpContext.RequestAborted);
                await body.FlushAsync(httpContext.RequestAborted);
            }
            writer.WriteEndArray();
            if (continueToken is not null) writer.WriteString("continue", continueToken);
            writer.WriteString("type", "collection");
            writer.WriteEndObject();
            await writer.FlushAsync(httpContext.RequestAborted);
            await body.FlushAsync(httpContext.RequestAborted);
        }
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
