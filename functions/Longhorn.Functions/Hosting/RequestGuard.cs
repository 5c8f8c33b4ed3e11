using System.Net;
using Longhorn.Functions.ControlPlane;
using Longhorn.Functions.Http;

namespace Longhorn.Functions.Hosting;

/// <summary>
/// What keeps another web page from driving the host through the user's browser: a function body must say it is JSON
/// (a cross-site form or <c>text/plain</c> POST needs no preflight; <c>application/json</c> does), a request from a
/// foreign <c>Origin</c> is refused, a preflight gets no CORS permission, and on loopback the <c>Host</c> header must name
/// the loopback (so a DNS-rebound name cannot reach it). Errors are problem+json like every function's.
/// </summary>
public static class RequestGuard
{
    private static readonly string[] LoopbackNames = ["localhost", "127.0.0.1", "[::1]"];

    public static void UseRequestGuard(this WebApplication app, string routePrefix, string listenAddress)
    {
        var loopback = FunctionKeys.IsLoopback(listenAddress);
        var prefix = "/" + routePrefix.Trim('/');
        app.Use(async (context, next) =>
        {
            var request = context.Request;
            if (Refusal(request, prefix, loopback) is { } refusal)
            {
                await Problems.From(refusal, context).ExecuteAsync(context);
                return;
            }
            await next(context);
        });
    }

    private static ControlPlaneException? Refusal(HttpRequest request, string prefix, bool loopback)
    {
        if (loopback && !LoopbackNames.Contains(request.Host.Host, StringComparer.OrdinalIgnoreCase) && request.Host.Host.Length > 0)
            return new ControlPlaneException(Problem.Forbidden, $"host {request.Host.Host} is not this host's name: a loopback host answers only to {string.Join(", ", LoopbackNames)}", "Host");
        var origin = request.Headers.Origin.ToString();
        if (origin.Length > 0 && !SameOrigin(origin, request))
            return new ControlPlaneException(Problem.Forbidden, $"requests from origin {origin} are not allowed: the host answers only its own page ({request.Scheme}://{request.Host})", "Origin");
        if (HttpMethods.IsOptions(request.Method))
            return new ControlPlaneException(Problem.Forbidden, "cross-origin requests are not allowed: the host sends no CORS permission", "Origin");
        if (!request.Path.StartsWithSegments(prefix) || !(HttpMethods.IsPost(request.Method) || HttpMethods.IsPut(request.Method) || HttpMethods.IsPatch(request.Method)))
            return null;
        var hasBody = request.ContentLength > 0 || (request.ContentLength is null && request.Headers.TransferEncoding.Count > 0);
        if (!hasBody || request.Path.Value!.EndsWith("/data", StringComparison.Ordinal)) return null;
        var mediaType = (request.ContentType ?? "").Split(';')[0].Trim();
        return mediaType == "application/json" || mediaType.EndsWith("+json", StringComparison.Ordinal)
            ? null
            : new ControlPlaneException(Problem.UnsupportedMediaType, $"the body must be JSON with Content-Type: application/json, not \"{request.ContentType}\"", "Content-Type");
    }

    private static bool SameOrigin(string origin, HttpRequest request) =>
        Uri.TryCreate(origin, UriKind.Absolute, out var uri)
        && string.Equals(uri.Scheme, request.Scheme, StringComparison.OrdinalIgnoreCase)
        && string.Equals(uri.Authority, request.Host.Value, StringComparison.OrdinalIgnoreCase);
}
