using System.Text.Json;
using System.Text.Json.Serialization;

namespace Longhorn.Functions.Resources;

/// <summary>The one JSON shape of the host: camelCase, nulls omitted; requests reject unknown members.</summary>
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
        };
        if (strict)
        {
            options.UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow;
            options.NumberHandling = JsonNumberHandling.AllowReadingFromString;
        }
        options.MakeReadOnly(populateMissingResolver: true);
        return options;
    }
}
