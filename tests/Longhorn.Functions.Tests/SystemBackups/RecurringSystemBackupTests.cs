using System.Net;
using Longhorn.Functions.ControlPlane.RecurringJobs;
using Longhorn.Functions.Tests.Support;
using Microsoft.Extensions.DependencyInjection;
using static Longhorn.Functions.Tests.SystemBackups.SystemBackupSupport;

namespace Longhorn.Functions.Tests.SystemBackups;

/// <summary>The system-backup recurring task driven by the clock, with count-based retention in resources and on the store (spec §4.4).</summary>
public sealed class RecurringSystemBackupTests
{
    [Fact]
    public async Task A_system_backup_job_with_retain_2_run_four_times_keeps_the_two_newest_in_resources_and_on_the_store()
    {
        using var host = new FunctionHost();
        var api = host.Api;
        await api.WaitForSyncAsync();
        await api.CreateVolumeAsync(new { name = "vol1", size = 8L * MiB });
        await api.WriteAsync("vol1", 0, Api.Pattern(MiB, seed: 3));
        var job = await api.SendAsync(HttpMethod.Post, "/api/recurringjobs", new
        {
            name = "nightly-system", task = "system-backup", cron = "* * * * *", retain = 2,
            parameters = new Dictionary<string, string> { ["volume-backup-policy"] = "disabled" },
        }, HttpStatusCode.Created);
        Assert.Equal("system-backup", (string?)job["task"]);

        var made = new List<string>();
        for (var run = 1; run <= 4; run++)
        {
            host.Clock.Advance(TimeSpan.FromMinutes(1));
            var expected = Math.Min(run, 2);
            List<System.Text.Json.Nodes.JsonNode> mine = [];
            await Api.EventuallyAsync(async () =>
            {
                var count = (int)(await api.GetAsync("/api/recurringjobs/nightly-system"))["executionCount"]!;
                mine = (await api.ListAsync("/api/systembackups"))
                    .Where(s => (string?)s["labels"]?["recurring-job.longhorn.io/system-backup"] == "nightly-system").ToList();
                return count == run && mine.Count == expected && mine.All(s => (string?)s["state"] == "Ready")
                       && mine.Select(s => (string)s["name"]!).Except(made).Count() == 1;
            }, $"run {run} of the system-backup job");
            var name = mine.Select(s => (string)s["name"]!).Except(made).Single();
            Assert.StartsWith("nightly--", name);
            made.Add(name);
            // The run's retention ends after the last write seen above; a tick before that would be skipped (a running job is not started again).
            await Task.WhenAll(host.Services.GetRequiredService<RecurringJobScheduler>().Running).WaitAsync(Api.Patience);
        }

        var left = (await api.ListAsync("/api/systembackups")).Select(s => (string)s["name"]!).Order(StringComparer.Ordinal).ToList();
        Assert.Equal(made.TakeLast(2).Order(StringComparer.Ordinal), left);
        var onStore = Directory.GetDirectories(Path.GetDirectoryName(StoreDirectory(host, "x"))!).Select(Path.GetFileName).Order(StringComparer.Ordinal);
        Assert.Equal(left, onStore);
    }
}
