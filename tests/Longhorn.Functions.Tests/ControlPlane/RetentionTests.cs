using Longhorn.Functions.ControlPlane.RecurringJobs;
using Longhorn.Functions.Resources;

namespace Longhorn.Functions.Tests.ControlPlane;

/// <summary>Longhorn's filterExpiredItems: which of a job's snapshots or backups expire under count- or age-based retention.</summary>
public sealed class RetentionTests
{
    private static readonly DateTimeOffset Now = new(2026, 11, 30, 12, 0, 0, TimeSpan.Zero);

    [Fact]
    public void Count_based_retention_expires_all_but_the_newest_retain_items_oldest_first()
    {
        var items = new[] { Item("c", 3), Item("a", 5), Item("e", 1), Item("b", 4), Item("d", 2) };
        var expired = Retention.Expired(items, i => i.At, RetentionPolicies.CountBased, retain: 2, TimeSpan.Zero, Now);
        Assert.Equal(["a", "b", "c"], expired.Select(i => i.Name));
    }

    [Fact]
    public void Count_based_retention_of_zero_expires_everything_and_more_than_there_are_expires_nothing()
    {
        var items = new[] { Item("a", 2), Item("b", 1) };
        Assert.Equal(2, Retention.Expired(items, i => i.At, RetentionPolicies.CountBased, 0, TimeSpan.Zero, Now).Count);
        Assert.Empty(Retention.Expired(items, i => i.At, RetentionPolicies.CountBased, 5, TimeSpan.Zero, Now));
    }

    [Fact]
    public void Items_without_a_timestamp_count_as_the_oldest()
    {
        var items = new[] { Item("new", 1), new TimedItem("unknown", null), Item("old", 9) };
        var expired = Retention.Expired(items, i => i.At, RetentionPolicies.CountBased, retain: 1, TimeSpan.Zero, Now);
        Assert.Equal(["unknown", "old"], expired.Select(i => i.Name));
    }

    [Fact]
    public void Age_based_retention_expires_items_older_than_the_age_and_those_without_a_timestamp()
    {
        var items = new[] { Item("fresh", 1), Item("edge", 24), Item("stale", 25), new TimedItem("unknown", null) };
        var expired = Retention.Expired(items, i => i.At, RetentionPolicies.AgeBased, retain: 0, TimeSpan.FromHours(24), Now);
        Assert.Equal(["unknown", "stale"], expired.Select(i => i.Name));
    }

    [Fact]
    public void Age_based_retention_without_an_age_expires_nothing()
    {
        var items = new[] { Item("ancient", 10_000) };
        Assert.Empty(Retention.Expired(items, i => i.At, RetentionPolicies.AgeBased, retain: 0, TimeSpan.Zero, Now));
    }

    [Theory]
    [InlineData("2026-11-30T10:00:00Z", true)]
    [InlineData("2026-11-30T10:00:00+00:00", true)]
    [InlineData("", false)]
    [InlineData("yesterday", false)]
    public void Timestamps_are_read_as_RFC_3339_or_not_at_all(string text, bool readable)
    {
        var at = Retention.ParseTime(text);
        Assert.Equal(readable, at is not null);
        if (readable) Assert.Equal(Now.AddHours(-2), at);
    }

    private static TimedItem Item(string name, int hoursAgo) => new(name, Now.AddHours(-hoursAgo));

    private sealed record TimedItem(string Name, DateTimeOffset? At);
}
