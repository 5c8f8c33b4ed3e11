using System.Net;
using Longhorn.Functions.ControlPlane.RecurringJobs;
using Longhorn.Functions.Tests.Support;
using Microsoft.Extensions.DependencyInjection;

namespace Longhorn.Functions.Tests;

/// <summary>Recurring backups driven by the injected clock, with Longhorn's count-based retention.</summary>
public sealed class RecurringJobTests
{
    private const int MiB = 1024 * 1024;

    [Fact]
    public async Task A_recurring_backup_job_keeps_its_two_newest_backups_and_leaves_manual_ones_alone()
    {
        using var host = new FunctionHost();
        var api = host.Api;
        await api.WaitForSyncAsync();
        await api.CreateVolumeAsync(new
        {
            name = "cron",
            size = 8L * MiB,
            labels = new Dictionary<string, string> { ["recurring-job.longhorn.io/nightly"] = "enabled" },
        });
        await api.WriteAsync("cron", 0, Api.Pattern(MiB, seed: 11));
        var manual = await api.BackupAsync("cron");
        var job = await api.SendAsync(HttpMethod.Post, "/api/recurringjobs",
            new { name = "nightly", task = "backup", cron = "*/1 * * * *", retain = 2 }, HttpStatusCode.Created);
        Assert.Equal(10, (int)job["concurrency"]!);

        var made = new List<string>();
        for (var run = 1; run <= 5; run++)
        {
            await api.WriteAsync("cron", run * MiB, Api.Pattern(4096, seed: 100 + run));
            host.Clock.Advance(TimeSpan.FromMinutes(1));
            var tick = host.Clock.GetUtcNow();
            var expected = Math.Min(run, 2);
            List<System.Text.Json.Nodes.JsonNode> mine = [];
            await Api.EventuallyAsync(async () =>
            {
                var count = (int)(await api.GetAsync("/api/recurringjobs/nightly"))["executionCount"]!;
                mine = (await api.ListAsync("/api/backups?volume=cron")).Where(b => (string?)b["labels"]?["RecurringJob"] == "nightly").ToList();
                // A run ends with its snapshot cleanup: only the newest job snapshot (the last backup's) is left.
                var snapshots = (await api.ListAsync("/api/volumes/cron/snapshots")).Count(s => (string?)s["labels"]?["RecurringJob"] == "nightly");
                return count == run && mine.Count == expected && snapshots == 1 && mine.All(b => (string?)b["state"] == "Completed")
                       && mine.Any(b => DateTimeOffset.Parse((string)b["creationTimestamp"]!) >= tick.AddSeconds(-1));
            }, $"run {run} of the recurring job");
            // The run's task ends just after its last write; a tick before that would be skipped (concurrencyPolicy Forbid).
            await Task.WhenAll(host.Services.GetRequiredService<RecurringJobScheduler>().Running).WaitAsync(Api.Patience);
            made.Add(mine.OrderBy(b => (string)b["created"]!).Last()["name"]!.ToString());
        }

        var remaining = (await api.ListAsync("/api/backups?volume=cron")).ToList();
        Assert.Equal(made.TakeLast(2).Order(), remaining.Where(b => (string?)b["labels"]?["RecurringJob"] == "nightly").Select(b => (string)b["name"]!).Order());
        Assert.Contains(remaining, b => (string?)b["name"] == (string?)manual["name"] && (string?)b["state"] == "Completed");
    }

    [Fact]
    public async Task A_storage_class_with_old_style_recurring_jobs_gives_new_volumes_those_jobs()
    {
        using var host = new FunctionHost();
        var api = host.Api;
        await api.SendAsync(HttpMethod.Put, "/api/storageclasses/longhorn", new
        {
            parameters = new Dictionary<string, string>
            {
                ["recurringJobs"] = """[{"name":"snap","task":"snapshot","cron":"*/1 * * * *","retain":1},{"name":"backup","task":"backup","cron":"*/2 * * * *","retain":1}]""",
            },
        });
        var volume = await api.CreateVolumeAsync(new { name = "sc-vol", size = 4L * MiB, storageClassName = "longhorn" });
        var jobs = await api.ListAsync("/api/recurringjobs");
        Assert.Equal(2, jobs.Count);
        Assert.Contains(jobs, j => (string?)j["task"] == "snapshot" && (string?)j["cron"] == "*/1 * * * *" && (int)j["retain"]! == 1);
        Assert.Contains(jobs, j => (string?)j["task"] == "backup" && (string?)j["cron"] == "*/2 * * * *");
        var selector = volume["recurringJobSelector"]!.AsArray().Select(s => (string?)s!["name"]).ToList();
        Assert.Equal(jobs.Select(j => (string?)j["name"]).Order(), selector.Order());
    }
}
