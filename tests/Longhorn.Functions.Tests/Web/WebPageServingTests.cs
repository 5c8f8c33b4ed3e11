using System.Net;
using System.Text.Json.Nodes;
using Longhorn.Functions.Tests.Support;

namespace Longhorn.Functions.Tests.Web;

/// <summary>The embedded host serves the page at / beside the functions, never in their place.</summary>
public sealed class WebPageServingTests
{
    [Fact]
    public async Task The_page_is_served_at_the_root_and_functions_keep_their_routes()
    {
        using var host = new FunctionHost(settings: new() { ["Host:RoutePrefix"] = "lh/v1" });
        using var client = host.CreateClient();

        using var index = await client.GetAsync("/");
        Assert.Equal(HttpStatusCode.OK, index.StatusCode);
        Assert.Equal("text/html", index.Content.Headers.ContentType?.MediaType);
        Assert.Contains("<nav aria-label=\"Sections\">", await index.Content.ReadAsStringAsync());
        using var script = await client.GetAsync("/js/app.js");
        Assert.Equal("text/javascript", script.Content.Headers.ContentType?.MediaType);
        // The page learns the route prefix from the host, so it follows host.json as the functions do.
        Assert.Equal("/lh/v1", (string?)JsonNode.Parse(await client.GetStringAsync("/page.json"))!["routePrefix"]);

        Assert.Equal("ok", (string?)JsonNode.Parse(await client.GetStringAsync("/lh/v1/health"))!["status"]);
        using var missing = await client.GetAsync("/lh/v1/nothing");
        Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);
        Assert.NotEqual("text/html", missing.Content.Headers.ContentType?.MediaType);
    }
}
