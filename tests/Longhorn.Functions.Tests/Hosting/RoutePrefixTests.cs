using System.Net;
using System.Net.Http.Json;
using Longhorn.Functions.Tests.Support;

namespace Longhorn.Functions.Tests.Hosting;

/// <summary>host.json's routePrefix decides where the functions live, and the Location headers follow it.</summary>
public sealed class RoutePrefixTests
{
    [Fact]
    public async Task Functions_and_their_location_headers_live_under_the_configured_route_prefix()
    {
        using var host = new FunctionHost(settings: new() { ["Host:RoutePrefix"] = "lh/v1" });
        using var client = host.CreateClient();
        using var created = await client.PostAsJsonAsync("/lh/v1/volumes", new { name = "vol1", size = 4L * 1024 * 1024 });
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        Assert.Equal("/lh/v1/volumes/vol1", created.Headers.Location?.ToString());

        await Api.EventuallyAsync(async () =>
            (await client.GetStringAsync("/lh/v1/backuptargets/default")).Contains("\"available\":true", StringComparison.Ordinal), "the default target to be available");
        using var backup = await client.PostAsJsonAsync("/lh/v1/volumes/vol1/backups", new { });
        Assert.Equal(HttpStatusCode.Accepted, backup.StatusCode);
        Assert.StartsWith("/lh/v1/backups/backup-", backup.Headers.Location?.ToString());
        using var polled = await client.GetAsync(backup.Headers.Location);
        Assert.Equal(HttpStatusCode.OK, polled.StatusCode);

        using var old = await client.GetAsync("/api/volumes");
        Assert.Equal(HttpStatusCode.NotFound, old.StatusCode);
    }
}
