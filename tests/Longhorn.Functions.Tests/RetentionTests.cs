using Longhorn.Functions.ControlPlane.RecurringJobs;
using Longhorn.Functions.Resources;

namespace Longhorn.Functions.Tests;

/// <summary>Longhorn's filterExpiredItems (spec §4.4): which of a job's items expire under count- and age-based retention.</summary>
public sealed class RetentionTests
{
    private static readonly DateTimeOffset Now = new(2026, 11, 30, 12, 0, 0, TimeSpan.Zero);

    private static readonly (string Name, DateTimeOffset? At)[] Items =
    [
        ("c", Now.AddMinutes(-1)), ("a", Now.AddMinutes(-5)), ("none", null), ("b", Now.AddMinutes(-3)), ("d", Now),
    ];

    private static IReadOnlyList<string> Expired(string policy, int retain, TimeSpan retainAge) =>
        Retention.Expired(Items, i => i.At, policy, retain, retainAge, Now).Select(i => i.Name).ToList();

    [Theory]
    [InlineData(0, new[] { "none", "a", "b", "c", "d" })]
    [InlineData(-1, new[] { "none", "a", "b", "c", "d" })]
    [InlineData(2, new[] { "none", "a", "b" })]
    [InlineData(4, new[] { "none" })]
    [InlineData(5, new string[0])]
    [InlineData(9, new string[0])]
    public void Count_based_retention_expires_all_but_the_newest_retain_oldest_first_and_undated_before_all(int retain, string[] expected) =>
        Assert.Equal(expected, Expired(RetentionPolicies.CountBased, retain, TimeSpan.Zero));

    [Fact]
    public void Age_based_retention_expires_items_older_than_the_age_and_undated_ones()
    {
        Assert.Equal(["none", "a", "b"], Expired(RetentionPolicies.AgeBased, 1, TimeSpan.FromMinutes(2)));
        // Exactly retainAge old is not older than it.
        Assert.Equal(["none", "a"], Expired(RetentionPolicies.AgeBased, 1, TimeSpan.FromMinutes(3)));
        Assert.Equal(["none", "a", "b", "c"], Expired(RetentionPolicies.AgeBased, 99, TimeSpan.FromTicks(1)));
    }

    [Fact]
    public void Age_based_retention_with_no_age_expires_nothing()
    {
        Assert.Empty(Expired(RetentionPolicies.AgeBased, 0, TimeSpan.Zero));
        Assert.Empty(Expired(RetentionPolicies.AgeBased, 0, TimeSpan.FromSeconds(-5)));
    }

    [Theory]
    [InlineData("2026-11-30T12:00:00Z", "2026-11-30T12:00:00+00:00")]
    [InlineData("2026-11-30T13:00:00+01:00", "2026-11-30T12:00:00+00:00")]
    [InlineData("2026-11-30T12:00:00", "2026-11-30T12:00:00+00:00")]
    public void Timestamps_parse_as_rfc3339_and_without_a_zone_as_utc(string text, string expected) =>
        Assert.Equal(DateTimeOffset.Parse(expected, System.Globalization.CultureInfo.InvariantCulture), Retention.ParseTime(text));

    [Theory]
    [InlineData("")]
    [InlineData("yesterday")]
    public void Empty_or_unreadable_timestamps_are_null(string text) => Assert.Null(Retention.ParseTime(text));
}
