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

    [Fact]
    public async Task A_page_is_written_as_the_collection_would_be_serialized_and_a_changed_resource_shows_its_change()
    {
        var settings = new[] { "c", "a", "b" }.Select(n => new Longhorn.Functions.Resources.Setting { Metadata = new Longhorn.Functions.Resources.ObjectMeta { Name = n, ResourceVersion = "1" }, Value = "v-" + n }).ToList();

        var (first, type) = await AnswerAsync(settings, "?limit=2");
        var expected = System.Text.Json.JsonSerializer.Serialize(new Longhorn.Functions.Http.Views.Collection<Longhorn.Functions.Http.Views.SettingView>("setting",
            [Longhorn.Functions.Http.Views.SettingView.From(settings[1]), Longhorn.Functions.Http.Views.SettingView.From(settings[2])], Convert.ToBase64String("b"u8)), Longhorn.Functions.Resources.Json.Options);
        Assert.Equal(expected, first);
        Assert.Equal("application/json; charset=utf-8", type);

        // A changed resource is a new record: its view is written anew, the others' as before.
        settings[1] = settings[1] with { Value = "changed" };
        var (all, _) = await AnswerAsync(settings, "");
        Assert.Equal(System.Text.Json.JsonSerializer.Serialize(new Longhorn.Functions.Http.Views.Collection<Longhorn.Functions.Http.Views.SettingView>("setting",
            settings.OrderBy(s => s.Name, StringComparer.Ordinal).Select(Longhorn.Functions.Http.Views.SettingView.From).ToList()), Longhorn.Functions.Resources.Json.Options), all);
    }

    private static async Task<(string Body, string? ContentType)> AnswerAsync(IReadOnlyList<Longhorn.Functions.Resources.Setting> settings, string query)
    {
        var context = new Microsoft.AspNetCore.Http.DefaultHttpContext();
        context.Request.QueryString = new Microsoft.AspNetCore.Http.QueryString(query.Length > 0 ? query : null);
        var body = new MemoryStream();
        context.Response.Body = body;
        await Longhorn.Functions.Http.Answers.Page(context.Request, "setting", settings, Longhorn.Functions.Http.Views.SettingView.From).ExecuteAsync(context);
        Assert.Equal(200, context.Response.StatusCode);
        return (System.Text.Encoding.UTF8.GetString(body.ToArray()), context.Response.ContentType);
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
