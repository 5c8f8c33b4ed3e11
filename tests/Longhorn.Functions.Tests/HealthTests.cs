using System.Net;
using Longhorn.Functions.Tests.Support;

namespace Longhorn.Functions.Tests;

public sealed class HealthTests
{
    [Fact]
    public async Task Health_answers_ok_from_the_in_process_host()
    {
        using var host = new FunctionHost();
        using var client = host.CreateClient();
        var response = await client.GetAsync("/api/health");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Contains("\"status\":\"ok\"", await response.Content.ReadAsStringAsync());
    }
}
