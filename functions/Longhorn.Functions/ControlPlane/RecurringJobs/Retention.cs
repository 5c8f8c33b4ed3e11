using Longhorn.Functions.Resources;

namespace Longhorn.Functions.ControlPlane.RecurringJobs;

/// <summary>Longhorn's filterExpiredItems: which of a job's snapshots or backups expire under its retention policy.</summary>
public static class Retention
{
    /// <summary>
    /// Sorts ascending by timestamp (missing first). count-based: items with index &lt; len - retain expire (retain 0
    /// expires all). age-based: items older than retainAge expire, only when retainAge &gt; 0.
    /// </summary>
    public static IReadOnlyList<T> Expired<T>(IEnumerable<T> items, Func<T, DateTimeOffset?> timestamp, string policy, int retain, TimeSpan retainAge,
        DateTimeOffset now)
    {
        var sorted = items.OrderBy(i => timestamp(i) ?? DateTimeOffset.MinValue).ToList();
        if (policy == RetentionPolicies.AgeBased)
            return retainAge > TimeSpan.Zero ? sorted.Where(i => timestamp(i) is not { } at || now - at > retainAge).ToList() : [];
        return sorted.Take(Math.Max(0, sorted.Count - Math.Max(0, retain))).ToList();
    }

    /// <summary>Parses an RFC 3339 timestamp as the store and replicas write them; null when empty or unreadable.</summary>
    public static DateTimeOffset? ParseTime(string text) =>
        DateTimeOffset.TryParse(text, System.Globalization.CultureInfo.InvariantCulture, System.Globalization.DateTimeStyles.AssumeUniversal, out var at)
            ? at
            : null;
}
