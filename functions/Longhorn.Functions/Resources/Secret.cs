using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Longhorn.Functions.Resources;

/// <summary>A Kubernetes Secret holding a backup target's credentials; its values are never returned by the HTTP functions.</summary>
public sealed record Secret : Resource, IResourceKind
{
    public static string KindName => "Secret";
    public override string Kind => KindName;
    public override string ApiVersion => "v1";
    public string Type { get; init; } = "Opaque";

    /// <summary>The values in plain text; stored (and served by the Kubernetes API) base64-encoded, as Kubernetes keeps <c>data</c>.</summary>
    [JsonConverter(typeof(Base64ValuesConverter))]
    public IReadOnlyDictionary<string, string> Data { get; init; } = new Dictionary<string, string>();
}

/// <summary>A string map whose values are base64 in JSON (a Secret's <c>data</c>).</summary>
public sealed class Base64ValuesConverter : JsonConverter<IReadOnlyDictionary<string, string>>
{
    public override IReadOnlyDictionary<string, string> Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        var encoded = JsonSerializer.Deserialize<Dictionary<string, string>>(ref reader, options) ?? [];
        return encoded.ToDictionary(p => p.Key, p => Decode(p.Value), StringComparer.Ordinal);
    }

    /// <summary>Databases written before secrets were stored as Kubernetes keeps them hold plain values; those read as they are.</summary>
    private static string Decode(string value)
    {
        var buffer = new byte[value.Length];
        return Convert.TryFromBase64String(value, buffer, out var written) ? Encoding.UTF8.GetString(buffer, 0, written) : value;
    }

    public override void Write(Utf8JsonWriter writer, IReadOnlyDictionary<string, string> value, JsonSerializerOptions options)
    {
        writer.WriteStartObject();
        foreach (var (key, text) in value) writer.WriteString(key, Convert.ToBase64String(Encoding.UTF8.GetBytes(text)));
        writer.WriteEndObject();
    }
}
