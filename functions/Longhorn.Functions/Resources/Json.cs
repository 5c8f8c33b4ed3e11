using System.Text.Json;
using System.Text.Json.Serialization;

namespace Longhorn.Functions.Resources;

/// <summary>The one JSON shape of the host: camelCase, nulls omitted, times in UTC as Kubernetes writes them; requests reject unknown members.</summary>
public static class Json
{
    public static JsonSerializerOptions Options { get; } = Create(strict: false);

    /// <summary>For request bodies: unknown members are errors, numbers may come as strings.</summary>
    public static JsonSerializerOptions Requests { get; } = Create(strict: true);

    private static JsonSerializerOptions Create(bool strict)
    {
        var options = new JsonSerializerOptions(JsonSerializerDefaults.Web)
        {
            DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
            WriteIndented = false,
            Converters = { new UtcTimestampConverter() },
        };
        if (strict)
        {
            // As the Kubernetes API's strict decoding: no unknown member, no member twice, a number only as a JSON number.
            options.UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow;
            options.NumberHandling = JsonNumberHandling.Strict;
            options.AllowDuplicateProperties = false;
        }
        options.MakeReadOnly(populateMissingResolver: true);
        return options;
    }
}

/// <summary>Times as RFC 3339 in UTC with a <c>Z</c> (as Kubernetes and Longhorn write them), keeping sub-second digits that are not zero.</summary>
public sealed class UtcTimestampConverter : JsonConverter<DateTimeOffset>
{
    public override DateTimeOffset Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
        DateTimeOffset.Parse(reader.GetString() ?? throw new JsonException("a time must be a string"), System.Globalization.CultureInfo.InvariantCulture,
            System.Globalization.DateTimeStyles.AssumeUniversal);

    public override void Write(Utf8JsonWriter writer, DateTimeOffset value, JsonSerializerOptions options) =>
        writer.WriteStringValue(value.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.FFFFFFF'Z'", System.Globalization.CultureInfo.InvariantCulture));
}
