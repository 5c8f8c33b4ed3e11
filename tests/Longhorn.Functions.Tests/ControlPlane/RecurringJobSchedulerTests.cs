using Longhorn.Functions.ControlPlane.SystemBackups;
using Longhorn.Functions.Cluster;
using Longhorn.Functions.ControlPlane;
using Longhorn.Functions.ControlPlane.Backups;
using Longhorn.Functions.ControlPlane.RecurringJobs;
using Longhorn.Functions.ControlPlane.Settings;
using Longhorn.Functions.ControlPlane.Volumes;
using Longhorn.Functions.ControlPlane.Work;
using Longhorn.Functions.Hosting;
using Longhorn.Functions.Resources;
using Longhorn.Functions.Tests.Support;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace Longhorn.Functions.Tests.ControlPlane;

/// <summary>When the scheduler starts a job, on the fake clock: once per cron occurrence, counted from the host's start.</summary>
public sealed class RecurringJobSchedulerTests : IAsyncDisposable
{
    private static readonly DateTimeOffset Start = new(2026, 11, 30, 10, 30, 0, TimeSpan.Zero);

    private readonly string _directory = Directory.CreateTempSubdirectory("lh-scheduler-").FullName;
    private readonly ManualClock _clock = new(Start);
    private readonly SqliteResourceStore _store;
    private readonly ReplicaRegistry _replicas;
    private readonly RecurringJobScheduler _scheduler;

    public RecurringJobSchedulerTests()
    {
        _store = new SqliteResourceStore(Path.Combine(_directory, "resources.db"), _clock);
        var options = Options.Create(new LonghornOptions { DataDir = _directory });
        var host = new HostIdentity(_clock);
        var settings = new LonghornSettings(_store);
        _replicas = new ReplicaRegistry(options, _clock);
        var snapshots = new SnapshotService(_store, _replicas, settings, host, _clock);
        var backups = new BackupService(_store, snapshots, new WorkQueue(), host, NullLogger<BackupService>.Instance);
        var systemBackups = new SystemBackupJob(_store, new SystemBackupService(_store, new WorkQueue(), host, NullLogger<SystemBackupService>.Instance),
            NullLogger<SystemBackupJob>.Instance);
        var runner = new RecurringJobRunner(_store, snapshots, backups, _replicas, settings, _clock, NullLogger<RecurringJobRunner>.Instance, systemBackups);
        _scheduler = new RecurringJobScheduler(_store, runner, host, _clock, NullLogger<RecurringJobScheduler>.Instance);
    }

    public async ValueTask DisposeAsync()
    {
        _scheduler.Dispose();
        await _replicas.DisposeAsync();
        FunctionHost.TryDelete(_directory);
    }

    [Fact]
    public async Task A_job_runs_once_per_occurrence_of_its_cron()
    {
        await CreateJobAsync("hourly", "0 * * * *");

        await TickAtAsync(Start.AddMinutes(29));
        Assert.Equal(0, await ExecutionsAsync("hourly"));
        await TickAtAsync(Start.AddMinutes(30));
        Assert.Equal(1, await ExecutionsAsync("hourly"));
        await TickAtAsync(Start.AddMinutes(31));
        await TickAtAsync(Start.AddMinutes(89));
        Assert.Equal(1, await ExecutionsAsync("hourly"));
        await TickAtAsync(Start.AddHours(3));
        Assert.Equal(2, await ExecutionsAsync("hourly"));
    }

    [Fact]
    public async Task A_job_made_before_the_host_started_counts_its_schedule_from_the_start()
    {
        _clock.Advance(TimeSpan.FromMinutes(-120));
        await CreateJobAsync("every-hour", "@every 1h");
        _clock.Advance(TimeSpan.FromMinutes(120));

        await TickAtAsync(Start.AddMinutes(59));
        Assert.Equal(0, await ExecutionsAsync("every-hour"));
        await TickAtAsync(Start.AddMinutes(60));
        Assert.Equal(1, await ExecutionsAsync("every-hour"));
    }

    [Fact]
    public async Task An_every_job_ticked_each_minute_runs_each_time_its_duration_has_passed_since_its_last_run()
    {
        await CreateJobAsync("every-hour", "@every 1h");

        for (var minute = 1; minute <= 125; minute++) await TickAtAsync(Start.AddMinutes(minute));

        Assert.Equal(2, await ExecutionsAsync("every-hour"));
    }

    [Fact]
    public async Task A_job_with_an_invalid_cron_never_runs()
    {
        await CreateJobAsync("broken", "not a cron");
        await TickAtAsync(Start.AddDays(2));
        Assert.Equal(0, await ExecutionsAsync("broken"));
    }

    private async Task TickAtAsync(DateTimeOffset at)
    {
        _clock.Advance(at - _clock.GetUtcNow());
        await _scheduler.TickAsync(CancellationToken.None);
        await Task.WhenAll(_scheduler.Running);
    }

    private Task CreateJobAsync(string name, string cron) => _store.CreateAsync(new RecurringJob
    {
        Metadata = new ObjectMeta { Name = name },
        Spec = new RecurringJobSpec { Name = name, Task = RecurringJobTasks.Snapshot, Cron = cron, Retain = 1, Concurrency = 1 },
    }, CancellationToken.None);

    private async Task<int> ExecutionsAsync(string name) =>
        (await _store.GetAsync<RecurringJob>(name, CancellationToken.None))!.Status.ExecutionCount;
}
