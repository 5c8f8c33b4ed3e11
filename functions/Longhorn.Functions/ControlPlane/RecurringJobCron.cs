using System.Globalization;
using NCrontab;

namespace Longhorn.Functions.ControlPlane;

/// <summary>A recurring job's schedule as robfig/cron's ParseStandard reads it: 5 fields, <c>@hourly</c>-style descriptors, or <c>@every 1h</c>.</summary>
public sealed class RecurringJobCron
{
    private static readonly Dictionary<string, string> Descriptors = new(StringComparer.Ordinal)
    {
        ["@yearly"] = "0 0 1 1 *",
        ["@annually"] = "0 0 1 1 *",
        ["@monthly"] = "0 0 1 * *",
        ["@weekly"] = "0 0 * * 0",
        ["@daily"] = "0 0 * * *",
        ["@midnight"] = "0 0 * * *",
        ["@hourly"] = "0 * * * *",
    };

    private readonly CrontabSchedule? _schedule;
    private readonly TimeSpan _every;

    private RecurringJobCron(CrontabSchedule? schedule, TimeSpan every)
    {
        _schedule = schedule;
        _every = every;
    }

    /// <summary>Parses the expression; null (and the reason) when it is not a valid schedule.</summary>
    public static RecurringJobCron? TryParse(string expression, out string error)
    {
        error = "";
        var text = expression.Trim();
        if (text.StartsWith("@every ", StringComparison.Ordinal))
        {
            if (GoDuration.TryParse(text["@every ".Length..].Trim(), out var every) && every > TimeSpan.Zero)
                return new RecurringJobCron(null, every);
            error = $"cron {expression} is invalid: @every needs a positive duration such as 1h30m";
            return null;
        }
        if (Descriptors.TryGetValue(text, out var standard)) text = standard;
        if (text.Split(' ', StringSplitOptions.RemoveEmptyEntries).Length != 5)
        {
            error = $"cron {expression} is invalid: it needs 5 fields (minute hour day-of-month month day-of-week) or a descriptor such as @hourly";
            return null;
        }
        if (RangeError(text) is { } rangeError)
        {
            error = $"cron {expression} is invalid: {rangeError}";
            return null;
        }
        var schedule = CrontabSchedule.TryParse(text);
        if (schedule is null) error = $"cron {expression} is invalid: a field is out of range or malformed";
        return schedule is null ? null : new RecurringJobCron(schedule, TimeSpan.Zero);
    }

    /// <summary>robfig/cron's range rules, which the crontab parser here is laxer about: a step must be positive and a range must not run backwards.</summary>
    private static string? RangeError(string fields)
    {
        foreach (var part in fields.Split(' ', StringSplitOptions.RemoveEmptyEntries).SelectMany(f => f.Split(',')))
        {
            var slash = part.IndexOf('/');
            if (slash >= 0 && (!int.TryParse(part[(slash + 1)..], NumberStyles.None, CultureInfo.InvariantCulture, out var step) || step <= 0))
                return $"the step of {part} must be a positive number";
            var range = slash >= 0 ? part[..slash] : part;
            var dash = range.IndexOf('-');
            if (dash > 0
                && int.TryParse(range[..dash], NumberStyles.None, CultureInfo.InvariantCulture, out var from)
                && int.TryParse(range[(dash + 1)..], NumberStyles.None, CultureInfo.InvariantCulture, out var to)
                && from > to)
                return $"the beginning of range {range} ({from}) is beyond its end ({to})";
        }
        return null;
    }

    /// <summary>The first occurrence after <paramref name="after"/> (for <c>@every</c>: <paramref name="after"/> plus the duration).</summary>
    public DateTimeOffset Next(DateTimeOffset after) =>
        _schedule is null ? after + _every : new DateTimeOffset(_schedule.GetNextOccurrence(after.UtcDateTime), TimeSpan.Zero);

    /// <summary>Whether an occurrence falls in (<paramref name="after"/>, <paramref name="now"/>].</summary>
    public bool IsDue(DateTimeOffset after, DateTimeOffset now) => Next(after) <= now;
}

/// <summary>Go's time.ParseDuration for the units recurring jobs use (h, m, s, ms), e.g. <c>24h</c>, <c>1h30m</c>, <c>0s</c>.</summary>
public static class GoDuration
{
    /// <summary>The longest duration Go holds: <c>math.MaxInt64</c> nanoseconds, in whole seconds.</summary>
    public const long MaxSeconds = long.MaxValue / 1_000_000_000;

    public static bool TryParse(string text, out TimeSpan duration)
    {
        duration = TimeSpan.Zero;
        if (text is "0" or "") return text == "0";
        var negative = text.StartsWith('-');
        var rest = negative ? text[1..] : text;
        var total = 0.0;
        var i = 0;
        while (i < rest.Length)
        {
            var start = i;
            while (i < rest.Length && (char.IsAsciiDigit(rest[i]) || rest[i] == '.')) i++;
            if (start == i || !double.TryParse(rest[start..i], NumberStyles.Float, CultureInfo.InvariantCulture, out var value)) return false;
            var unitStart = i;
            while (i < rest.Length && char.IsAsciiLetter(rest[i])) i++;
            var factor = rest[unitStart..i] switch { "h" => 3600.0, "m" => 60.0, "s" => 1.0, "ms" => 0.001, _ => double.NaN };
            if (double.IsNaN(factor)) return false;
            total += value * factor;
        }
        // Go's Duration is int64 nanoseconds: ParseDuration refuses anything longer (about 292 years) as "invalid duration".
        if (total > MaxSeconds) return false;
        duration = TimeSpan.FromSeconds(negative ? -total : total);
        return true;
    }
}
