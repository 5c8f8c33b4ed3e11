using Longhorn.Functions.ControlPlane;

namespace Longhorn.Functions.Tests.ControlPlane;

/// <summary>Recurring-job schedules as robfig/cron's ParseStandard reads them, and when a schedule is due.</summary>
public sealed class RecurringJobCronTests
{
    private static readonly DateTimeOffset At1030 = new(2026, 11, 30, 10, 30, 0, TimeSpan.Zero);

    [Fact]
    public void A_five_field_schedule_is_due_when_an_occurrence_falls_after_the_last_check_up_to_now()
    {
        var hourly = Parse("0 * * * *");
        Assert.False(hourly.IsDue(At1030, At1030.AddMinutes(29)));
        Assert.True(hourly.IsDue(At1030, At1030.AddMinutes(30)));
        Assert.True(hourly.IsDue(At1030, At1030.AddHours(5)));
    }

    [Fact]
    public void An_occurrence_at_the_last_check_itself_is_not_due_again()
    {
        var hourly = Parse("0 * * * *");
        var eleven = At1030.AddMinutes(30);
        Assert.False(hourly.IsDue(eleven, eleven.AddMinutes(59)));
        Assert.True(hourly.IsDue(eleven, eleven.AddHours(1)));
    }

    [Theory]
    [InlineData("@hourly", "0 * * * *")]
    [InlineData("@daily", "0 0 * * *")]
    [InlineData("@midnight", "0 0 * * *")]
    [InlineData("@weekly", "0 0 * * 0")]
    [InlineData("@monthly", "0 0 1 * *")]
    [InlineData("@yearly", "0 0 1 1 *")]
    [InlineData("@annually", "0 0 1 1 *")]
    public void Descriptors_are_their_standard_schedules(string descriptor, string standard)
    {
        var a = Parse(descriptor);
        var b = Parse(standard);
        for (var step = 0; step < 24 * 400; step += 7)
        {
            var after = At1030.AddHours(step);
            foreach (var window in new[] { TimeSpan.FromMinutes(45), TimeSpan.FromHours(20), TimeSpan.FromDays(8), TimeSpan.FromDays(40) })
                Assert.Equal(b.IsDue(after, after + window), a.IsDue(after, after + window));
        }
    }

    [Fact]
    public void Every_is_due_once_the_duration_has_passed_since_the_last_check()
    {
        var every = Parse("@every 1h30m");
        Assert.False(every.IsDue(At1030, At1030.AddMinutes(89)));
        Assert.True(every.IsDue(At1030, At1030.AddMinutes(90)));
    }

    [Theory]
    [InlineData("* * *", "5 fields")]
    [InlineData("* * * * * *", "5 fields")]
    [InlineData("61 * * * *", "out of range")]
    [InlineData("@every 0s", "positive duration")]
    [InlineData("@every soon", "positive duration")]
    [InlineData("@sometimes", "5 fields")]
    public void Invalid_schedules_are_refused_with_the_reason(string expression, string reason)
    {
        Assert.Null(RecurringJobCron.TryParse(expression, out var error));
        Assert.Contains(reason, error);
        Assert.Contains(expression, error);
    }

    [Theory]
    [InlineData("24h", 24 * 3600)]
    [InlineData("1h30m", 5400)]
    [InlineData("90m", 5400)]
    [InlineData("1.5h", 5400)]
    [InlineData("0s", 0)]
    [InlineData("0", 0)]
    [InlineData("500ms", 0.5)]
    [InlineData("-2m", -120)]
    public void Durations_read_as_Go_writes_them(string text, double seconds)
    {
        Assert.True(GoDuration.TryParse(text, out var duration));
        Assert.Equal(TimeSpan.FromSeconds(seconds), duration);
    }

    [Theory]
    [InlineData("")]
    [InlineData("5")]
    [InlineData("5d")]
    [InlineData("h")]
    public void Malformed_durations_are_refused(string text) => Assert.False(GoDuration.TryParse(text, out _));

    private static RecurringJobCron Parse(string expression) =>
        RecurringJobCron.TryParse(expression, out var error) ?? throw new Xunit.Sdk.XunitException($"{expression}: {error}");
}
