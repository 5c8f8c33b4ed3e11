namespace Longhorn.Functions.Http;

/// <summary>Where the functions' routes live: under host.json's <c>extensions.http.routePrefix</c> (default <c>api</c>), in either host.</summary>
public static class FunctionRoutes
{
    /// <summary>The configuration key both hosts fill from host.json.</summary>
    public const string PrefixKey = "Host:RoutePrefix";

    /// <summary>The absolute path of a function route, for Location headers.</summary>
    public static string PathOf(HttpRequest request, string route)
    {
        var prefix = request.HttpContext.RequestServices.GetRequiredService<IConfiguration>()[PrefixKey] ?? "api";
        return "/" + string.Join('/', new[] { prefix.Trim('/'), route.Trim('/') }.Where(p => p.Length > 0));
    }
}
