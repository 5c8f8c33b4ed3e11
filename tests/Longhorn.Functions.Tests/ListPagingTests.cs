using System.Net;
using Longhorn.Functions.Tests.Support;

namespace Longhorn.Functions.Tests;

/// <summary>Every list function pages with limit/continue, in name order, without repeating or skipping items that stay.</summary>
public sealed class ListPagingTests : IDisposable
{
    private const int MiB = 1024 * 1024;
    private readonly FunctionHost _host = new();

    public void Dispose() => _host.Dispose();

    [Fact]
    public async Task Pages_of_volumes_follow_each_other_in_name_order_even_when_one_goes_between_calls()
    {
        var api = _host.Api;
        foreach (var name in new[] { "e", "b", "d", "a", "c" }) await api.CreateVolumeAsync(new { name = "vol-" + name, size = 2L * MiB });
        var first = await api.GetAsync("/api/volumes?limit=2");
        Assert.Equal(["vol-a", "vol-b"], first["data"]!.AsArray().Select(v => (string)v!["name"]!));
        var token = (string)first["continue"]!;
        await api.SendAsync(HttpMethod.Delete, "/api/volumes/vol-c", expect: HttpStatusCode.NoContent);
        var second = await api.GetAsync($"/api/volumes?limit=2&continue={Uri.EscapeDataString(token)}");
        Assert.Equal(["vol-d", "vol-e"], second["data"]!.AsArray().Select(v => (string)v!["name"]!));
        Assert.Null(second["continue"]);
        Assert.Null((await api.GetAsync("/api/volumes"))["continue"]);
        Assert.Equal(4, (await api.ListAsync("/api/volumes")).Count);

        Assert.Equal("limit", (string?)(await api.SendAsync(HttpMethod.Get, "/api/volumes?limit=0", expect: HttpStatusCode.BadRequest))["field"]);
        Assert.Equal("continue", (string?)(await api.SendAsync(HttpMethod.Get, "/api/volumes?continue=%%%", expect: HttpStatusCode.BadRequest))["field"]);
    }

    [Theory]
    [InlineData("/api/volumes")]
    [InlineData("/api/backups")]
    [InlineData("/api/backupvolumes")]
    [InlineData("/api/backuptargets")]
    [InlineData("/api/recurringjobs")]
    [InlineData("/api/settings")]
    [InlineData("/api/systembackups")]
    [InlineData("/api/systemrestores")]
    public async Task Every_list_route_takes_a_limit(string path)
    {
        var all = (await _host.Api.ListAsync(path)).Count;
        var page = await _host.Api.GetAsync(path + "?limit=1");
        Assert.Equal(Math.Min(all, 1), page["data"]!.AsArray().Count);
        Assert.Equal(all > 1, page["continue"] is not null);
    }
}
