using Longhorn.Functions.Cluster;
using Longhorn.Functions.ControlPlane;
using System.Net;
using Longhorn.Functions.ControlPlane.Settings;
using Longhorn.Functions.Hosting;
using Longhorn.Functions.Resources;
using Longhorn.Functions.Tests.Support;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Longhorn.Functions.Tests;

/// <summary>A bug inside a backup surfaces as a bug (logged with its stack, answered as a 500), not as a routine failed backup.</summary>
public sealed class UnexpectedFailureTests
{
    [Fact]
    public async Task A_bug_in_a_backup_is_logged_with_its_stack_and_answered_as_a_500_not_a_routine_error()
    {
        var logs = new CapturedLogs();
        FailingResourceStore? store = null;
        using var host = new FunctionHost(services: services =>
        {
            services.RemoveAll<IResourceStore>();
            services.AddSingleton<IResourceStore>(sp => store = new FailingResourceStore(new SqliteResourceStore(
                sp.GetRequiredService<IOptions<LonghornOptions>>().Value.DatabasePath, sp.GetRequiredService<TimeProvider>())));
            services.AddSingleton<ILoggerProvider>(logs);
        });
        var api = host.Api;
        await api.WaitForSyncAsync();
        await api.CreateVolumeAsync(new { name = "vol1", size = 8L * 1024 * 1024 });
        // Opening the store reads this setting: the backup worker meets a framework exception it has no rule for.
        store!.FailReadsOf(SettingDefinitions.BackupConcurrentLimit, () => new InvalidOperationException("Sequence contains no elements"));

        var name = (string)(await api.PostAsync("/api/volumes/vol1/backups"))["name"]!;

        await Api.EventuallyAsync(() => Task.FromResult(logs.Entries.Any(e => e.Level == LogLevel.Error)), "the worker to log the failure");
        var logged = Assert.Single(logs.Entries, e => e.Level == LogLevel.Error && e.Exception is InvalidOperationException);
        Assert.Contains(name, logged.Message);
        Assert.Contains("Sequence contains no elements", logged.Exception!.Message);
        Assert.Contains(nameof(Longhorn.Functions.ControlPlane.Backups.BackupCreation), logged.Exception.StackTrace);
        Assert.DoesNotContain(logs.Entries, e => e.Level == LogLevel.Warning && e.Message.Contains($"Backup {name} of volume vol1 failed"));

        using var response = await api.Client.GetAsync($"/api/backups/{name}");
        Assert.Equal(HttpStatusCode.InternalServerError, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.Contains("Sequence contains no elements", await response.Content.ReadAsStringAsync());
        var listed = Assert.Single(await api.ListAsync("/api/backups"));
        Assert.Contains("internal error", (string?)listed["messages"]!["internalError"]);
    }

    [Fact]
    public async Task A_bug_in_a_restore_is_logged_with_its_stack_and_marked_as_an_internal_error()
    {
        var logs = new CapturedLogs();
        FailingResourceStore? store = null;
        using var host = new FunctionHost(services: services =>
        {
            services.RemoveAll<IResourceStore>();
            services.AddSingleton<IResourceStore>(sp => store = new FailingResourceStore(new SqliteResourceStore(
                sp.GetRequiredService<IOptions<LonghornOptions>>().Value.DatabasePath, sp.GetRequiredService<TimeProvider>())));
            services.AddSingleton<ILoggerProvider>(logs);
        });
        var api = host.Api;
        await api.WaitForSyncAsync();
        await api.CreateVolumeAsync(new { name = "vol1", size = 8L * 1024 * 1024 });
        var backup = await api.BackupAsync("vol1");
        store!.FailReadsOf(SettingDefinitions.RestoreConcurrentLimit, () => new InvalidOperationException("Sequence contains no elements"));

        await api.CreateVolumeAsync(new { name = "vol2", fromBackup = (string)backup["url"]! });

        var failed = await api.WaitAsync("/api/volumes/vol2", v => (string?)v["restoreStatus"]?["state"] == "error", "the restore to stop");
        Assert.StartsWith("internal error: InvalidOperationException: Sequence contains no elements", (string?)failed["restoreStatus"]!["error"]);
        await Api.EventuallyAsync(() => Task.FromResult(logs.Entries.Any(e => e.Level == LogLevel.Error)), "the worker to log the failure");
        var logged = Assert.Single(logs.Entries, e => e.Level == LogLevel.Error);
        Assert.Contains("vol2", logged.Message);
        Assert.Contains(nameof(Longhorn.Functions.ControlPlane.Volumes.RestoreWorker), logged.Exception!.StackTrace);
    }

    [Fact]
    public async Task An_expected_failure_in_a_backup_stays_a_routine_error_state()
    {
        var logs = new CapturedLogs();
        FailingResourceStore? store = null;
        using var host = new FunctionHost(services: services =>
        {
            services.RemoveAll<IResourceStore>();
            services.AddSingleton<IResourceStore>(sp => store = new FailingResourceStore(new SqliteResourceStore(
                sp.GetRequiredService<IOptions<LonghornOptions>>().Value.DatabasePath, sp.GetRequiredService<TimeProvider>())));
            services.AddSingleton<ILoggerProvider>(logs);
        });
        var api = host.Api;
        await api.WaitForSyncAsync();
        await api.CreateVolumeAsync(new { name = "vol1", size = 8L * 1024 * 1024 });
        store!.FailReadsOf(SettingDefinitions.BackupConcurrentLimit, () => new IOException("disk is full"));

        var name = (string)(await api.PostAsync("/api/volumes/vol1/backups"))["name"]!;

        var failed = await api.WaitAsync($"/api/backups/{name}", b => (string?)b["state"] == "Error", "the backup to fail");
        Assert.Equal("disk is full", (string?)failed["error"]);
        Assert.Null(failed["messages"]!["internalError"]);
        Assert.DoesNotContain(logs.Entries, e => e.Level >= LogLevel.Error);
    }
}
