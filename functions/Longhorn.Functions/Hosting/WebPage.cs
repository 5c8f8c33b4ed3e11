using Microsoft.Extensions.FileProviders;

namespace Longhorn.Functions.Hosting;

/// <summary>
/// The web page the embedded host serves at <c>/</c>: static files from <c>wwwroot/</c> beside the program, and
/// <c>/page.json</c> telling the page where the functions live (the route prefix). The page calls only the HTTP functions.
/// </summary>
public static class WebPage
{
    /// <summary>The page's settings file: the route prefix, so the page follows host.json as the functions do.</summary>
    public const string SettingsPath = "/page.json";

    public static void MapWebPage(this WebApplication app, string routePrefix)
    {
        var root = Path.Combine(AppContext.BaseDirectory, "wwwroot");
        if (!Directory.Exists(root)) return;
        var files = new PhysicalFileProvider(root);
        // Static files only answer what no function route matched (the middleware skips requests an endpoint took),
        // so a file can never shadow a function; the Kubernetes API has its own port.
        app.UseDefaultFiles(new DefaultFilesOptions { FileProvider = files });
        app.UseStaticFiles(new StaticFileOptions
        {
            FileProvider = files,
            OnPrepareResponse = context => context.Context.Response.Headers.CacheControl = "no-cache",
        });
        // Middleware, not an endpoint: the host's endpoints stay exactly the functions of functions.metadata.
        var settings = Results.Json(new { routePrefix = ("/" + routePrefix.Trim('/')).TrimEnd('/') });
        app.Use((context, next) => context.Request.Path == SettingsPath && HttpMethods.IsGet(context.Request.Method) && context.GetEndpoint() is null
            ? settings.ExecuteAsync(context)
            : next(context));
    }

    /// <summary>The banner line that points at the page.</summary>
    public static string BannerLine(string baseUrl) => $"Web page: {baseUrl.TrimEnd('/')}/";
}
