using System.Globalization;

namespace Longhorn.Engine.Format;

/// <summary>Go's <c>time.Now().UTC().Format(time.RFC3339)</c>: second precision with a Z suffix.</summary>
internal static class Timestamps
{
    public static string Format(DateTimeOffset time) =>
        time.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);

    public static bool TryParse(string text, out DateTimeOffset time) =>
        DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture,
            DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out time) && text.Length >= 20;
}
