using System.Text.Json.Nodes;
using FsCheck;
using FsCheck.Fluent;
using Longhorn.Functions.ControlPlane.SystemBackups;
using YamlDotNet.Serialization;

namespace Longhorn.Functions.Tests.SystemBackups;

/// <summary>The bundle's YAML keeps every value's type: a string never reads back as a number, boolean or null, in our reader or YamlDotNet's.</summary>
public sealed class YamlDocumentsTests
{
    private static readonly string[] Tricky =
    [
        "", "2147483648", "-1", "0x1f", "0777", "1e3", ".5", "1_000", "true", "False", "yes", "No", "on", "OFF", "y", "null", "~", "2026-11-30",
        "2026-11-30T04:23:24Z", "a: b", "- item", "#comment", "value #c", "trailing:", " padded ", "line\nbreak", "quote\"d", "it's", "{}", "[1]",
        "*alias", "&anchor", "!tag", "%percent", "@at", "`tick`", "|", ">", "nfs://127.0.0.1:/backupstore", "longhorn.io/v1beta2", "ünïcödé", "tab\there",
    ];

    private static JsonObject Document(IEnumerable<string> values)
    {
        var list = values.ToList();
        return new JsonObject
        {
            ["strings"] = new JsonArray(list.Select(v => (JsonNode?)JsonValue.Create(v)).ToArray()),
            ["map"] = new JsonObject(list.Distinct().Select((v, i) => new KeyValuePair<string, JsonNode?>("k" + i, JsonValue.Create(v)))),
            ["number"] = 42, ["negative"] = -7, ["flag"] = true, ["none"] = null, ["empty"] = new JsonObject(), ["nothing"] = new JsonArray(),
        };
    }

    private static void RoundTrips(JsonObject document)
    {
        var yaml = YamlDocuments.Write(document);
        Assert.True(JsonNode.DeepEquals(document, YamlDocuments.Read(yaml)), yaml);
        // An independent reader that types unquoted scalars, as Kubernetes' YAML reader does.
        var typed = new DeserializerBuilder().WithAttemptingUnquotedStringTypeDeserialization().Build().Deserialize<Dictionary<string, object?>>(yaml);
        var strings = ((List<object?>)typed["strings"]!).ToList();
        Assert.All(strings, s => Assert.IsType<string>(s));
        Assert.Equal(document["strings"]!.AsArray().Select(v => (string?)v), strings.Cast<string>());
    }

    [Fact]
    public void Strings_that_look_like_other_scalars_or_yaml_syntax_stay_strings() => RoundTrips(Document(Tricky));

    [Fact]
    public void Any_strings_round_trip_with_their_type() =>
        Prop.ForAll((string[] values) =>
        {
            var clean = values.Where(v => v is not null && !v.Any(char.IsSurrogate) && !v.Any(c => c < 0x20 && c is not ('\n' or '\t'))).ToList();
            RoundTrips(Document(clean));
        }).Check(Config.QuickThrowOnFailure.WithMaxTest(200));
}
