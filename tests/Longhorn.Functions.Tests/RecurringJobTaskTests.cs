using System.Net;
using System.Text.Json.Nodes;
using Longhorn.Functions.ControlPlane.RecurringJobs;
using Longhorn.Functions.Tests.Support;
using Microsoft.Extensions.DependencyInjection;

namespace Longhorn.Functions.Tests;

/// <summary>
/// Recurring job tasks beyond count-based backups (spec §4.2–4.4): age-based retention, the full-backup interval,
/// snapshot-delete and snapshot-cleanup. Each run is started by moving the host's clock a minute and awaited through the
/// scheduler's running task, not guessed with a sleep.
/// </summary>
public sealed class RecurringJobTaskTests
{
    private const int MiB = 1024 * 1024;

    private static async Task<JsonNode> RunOnceAsync(FunctionHost host, string job, int run)
    {
        var api = host.Api;
        host.Clock.Advance(TimeSpan.FromMinutes(1));
        JsonNode resource = new JsonObject();
        await Api.EventuallyAsync(async () => (int)(resource = await api.GetAsync($"/api/recurringjobs/{job}"))["executionCount"]! == run, $"run {run} of {job} to start");
        await Task.WhenAll(host.Services.GetRequiredService<RecurringJobScheduler>().Running).WaitAsync(Api.Patience);
        return resource;
    }

    private static async Task<List<JsonNode>> JobBackupsAsync(Api api, string volume, string job) =>
        (await api.ListAsync($"/api/backups?volume={volume}")).Where(b => (string?)b["labels"]?["RecurringJob"] == job)
            .OrderBy(b => (string)b["created"]!, StringComparer.Ordinal).ToList();

    [Fact]
    public async Task Age_based_retention_deletes_backups_older_than_the_age_and_every_second_run_is_full()
    {
        using var host = new FunctionHost();
        var api = host.Api;
        await api.WaitForSyncAsync();
        await api.CreateVolumeAsync(new
        {
            name = "aged", size = 8L * MiB, labels = new Dictionary<string, string> { ["recurring-job.longhorn.io/aged"] = "enabled" },
        });
        await api.SendAsync(HttpMethod.Post, "/api/recurringjobs", new
        {
            name = "aged", task = "backup", cron = "*/1 * * * *", retain = 1, retentionPolicy = "age-based", retainAge = "150s",
            parameters = new Dictionary<string, string> { ["full-backup-interval"] = "2" },
        }, HttpStatusCode.Created);

        var made = new List<JsonNode>();
        for (var run = 1; run <= 5; run++)
        {
            await api.WriteAsync("aged", run * MiB, Api.Pattern(4096, seed: run));
            await RunOnceAsync(host, "aged", run);
            // Backups a minute apart; those more than 150 s old at the run's end are deleted: at most the last three stay.
            var mine = new List<JsonNode>();
            await Api.EventuallyAsync(async () =>
            {
                mine = await JobBackupsAsync(api, "aged", "aged");
                return mine.Count == Math.Min(run, 3) && mine.All(b => (string?)b["state"] == "Completed");
            }, $"the expired backups of run {run} to be deleted");
            made.Add(mine[^1]);
            Assert.Equal(made.TakeLast(Math.Min(run, 3)).Select(b => (string?)b["name"]), mine.Select(b => (string?)b["name"]));
        }
        // executionCount % 2 == 0 makes a full backup: runs 2 and 4.
        Assert.Equal(["incremental", "full", "incremental", "full", "incremental"], made.Select(b => (string?)b["backupMode"]));
    }

    [Fact]
    public async Task An_age_based_job_without_an_age_does_nothing_not_even_count_a_run()
    {
        using var host = new FunctionHost();
        var api = host.Api;
        await api.CreateVolumeAsync(new
        {
            name = "idle", size = 4L * MiB, labels = new Dictionary<string, string> { ["recurring-job.longhorn.io/idle"] = "enabled" },
        });
        await api.SendAsync(HttpMethod.Post, "/api/recurringjobs",
            new { name = "idle", task = "snapshot", cron = "*/1 * * * *", retain = 1, retentionPolicy = "age-based", retainAge = "0s" }, HttpStatusCode.Created);
        var scheduler = host.Services.GetRequiredService<RecurringJobScheduler>();
        host.Clock.Advance(TimeSpan.FromMinutes(1));
        await Api.EventuallyAsync(() => Task.FromResult(scheduler.Running.Count == 1), "the job's run to be started");
        await Task.WhenAll(scheduler.Running).WaitAsync(Api.Patience);
        Assert.Equal(0, (int)(await api.GetAsync("/api/recurringjobs/idle"))["executionCount"]!);
        Assert.Empty(await api.ListAsync("/api/volumes/idle/snapshots"));
    }

    [Fact]
    public async Task Snapshot_delete_keeps_the_newest_snapshots_of_the_volume_whoever_made_them()
    {
        using var host = new FunctionHost();
        var api = host.Api;
        await api.CreateVolumeAsync(new
        {
            name = "snaps", size = 4L * MiB, labels = new Dictionary<string, string> { ["recurring-job.longhorn.io/trim"] = "enabled" },
        });
        var made = new List<string>();
        for (var i = 0; i < 4; i++)
        {
            await api.WriteAsync("snaps", 0, Api.Pattern(4096, seed: i));
            made.Add((string)(await api.PostAsync("/api/volumes/snaps/snapshots", new { name = $"manual-{i}" }))["name"]!);
            host.Clock.Advance(TimeSpan.FromSeconds(5));
        }
        await api.SendAsync(HttpMethod.Post, "/api/recurringjobs", new { name = "trim", task = "snapshot-delete", cron = "*/1 * * * *", retain = 2 },
            HttpStatusCode.Created);

        await RunOnceAsync(host, "trim", 1);
        var left = (await api.ListAsync("/api/volumes/snaps/snapshots")).Select(s => (string)s["name"]!).Order(StringComparer.Ordinal);
        Assert.Equal(made.TakeLast(2), left);
    }

    [Fact]
    public async Task Snapshot_cleanup_deletes_no_snapshot_by_retention()
    {
        using var host = new FunctionHost();
        var api = host.Api;
        await api.CreateVolumeAsync(new
        {
            name = "clean", size = 4L * MiB, labels = new Dictionary<string, string> { ["recurring-job.longhorn.io/clean"] = "enabled" },
        });
        for (var i = 0; i < 3; i++)
        {
            await api.WriteAsync("clean", 0, Api.Pattern(4096, seed: i));
            await api.PostAsync("/api/volumes/clean/snapshots", new { name = $"keep-{i}" });
        }
        var job = await api.SendAsync(HttpMethod.Post, "/api/recurringjobs",
            new { name = "clean", task = "snapshot-cleanup", cron = "*/1 * * * *", retain = 3 }, HttpStatusCode.Created);
        Assert.Equal(0, (int)job["retain"]!);

        await RunOnceAsync(host, "clean", 1);
        Assert.Equal(["keep-0", "keep-1", "keep-2"], (await api.ListAsync("/api/volumes/clean/snapshots")).Select(s => (string)s["name"]!).Order(StringComparer.Ordinal));
        Assert.Equal(Api.Pattern(4096, seed: 2), await api.ReadAsync("clean", 0, 4096));
    }
}
