using Microsoft.Azure.Functions.Worker;
using NCrontab;

namespace Longhorn.Functions.Hosting;

/// <summary>Runs every timer function on its NCRONTAB schedule, one invocation at a time per function, on the injected clock.</summary>
public sealed class TimerFunctionHost(FunctionCatalog catalog, IServiceScopeFactory scopes, IConfiguration configuration, TimeProvider time,
    ILogger<TimerFunctionHost> logger) : BackgroundService
{
    /// <summary>The schedule text after resolving <c>%Setting%</c> from configuration, as Azure Functions does.</summary>
    public static string ResolveSchedule(string schedule, IConfiguration configuration)
    {
        if (schedule.Length < 2 || schedule[0] != '%' || schedule[^1] != '%') return schedule;
        var key = schedule[1..^1];
        return configuration[key] ?? throw new InvalidOperationException($"the timer schedule setting {key} is not set");
    }

    public static CrontabSchedule ParseSchedule(string expression) =>
        CrontabSchedule.Parse(expression, new CrontabSchedule.ParseOptions
        {
            IncludingSeconds = expression.Split(' ', StringSplitOptions.RemoveEmptyEntries).Length == 6,
        });

    protected override Task ExecuteAsync(CancellationToken stoppingToken) =>
        Task.WhenAll(catalog.Timers.Select(timer => Task.Run(() => RunAsync(timer, stoppingToken), stoppingToken)));

    private async Task RunAsync(TimerFunction timer, CancellationToken stoppingToken)
    {
        var schedule = ParseSchedule(ResolveSchedule(timer.Schedule, configuration));
        DateTimeOffset? last = null;
        if (timer.RunOnStartup) last = await InvokeAsync(timer, schedule, time.GetUtcNow(), last, stoppingToken).ConfigureAwait(false);
        while (!stoppingToken.IsCancellationRequested)
        {
            var now = time.GetUtcNow();
            var next = new DateTimeOffset(schedule.GetNextOccurrence(now.UtcDateTime), TimeSpan.Zero);
            try
            {
                await DelayUntilAsync(next, time, stoppingToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return;
            }
            last = await InvokeAsync(timer, schedule, next, last, stoppingToken).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// Waits until the clock reads <paramref name="due"/> or later. A timer may fire a little before its time by the
    /// wall clock; invoked then, the recurring-job tick would see the minute's occurrence as not yet due and the next
    /// tick would pass over it, so an early wake-up waits for the rest.
    /// </summary>
    public static async Task DelayUntilAsync(DateTimeOffset due, TimeProvider time, CancellationToken cancellationToken)
    {
        for (var left = due - time.GetUtcNow(); left > TimeSpan.Zero; left = due - time.GetUtcNow())
            await Task.Delay(left, time, cancellationToken).ConfigureAwait(false);
    }

    private async Task<DateTimeOffset> InvokeAsync(TimerFunction timer, CrontabSchedule schedule, DateTimeOffset scheduled,
        DateTimeOffset? last, CancellationToken stoppingToken)
    {
        var now = time.GetUtcNow();
        var info = new TimerInfo
        {
            ScheduleStatus = new ScheduleStatus
            {
                Last = last?.UtcDateTime ?? default,
                Next = schedule.GetNextOccurrence(now.UtcDateTime),
                LastUpdated = now.UtcDateTime,
            },
            IsPastDue = now - scheduled > TimeSpan.FromSeconds(1),
        };
        try
        {
            await using var scope = scopes.CreateAsyncScope();
            var instance = ActivatorUtilities.CreateInstance(scope.ServiceProvider, timer.Type);
            var arguments = timer.Method.GetParameters()
                .Select(p => p.ParameterType == typeof(TimerInfo) ? info : p.ParameterType == typeof(CancellationToken) ? (object)stoppingToken : null)
                .ToArray();
            await ((Task)timer.Method.Invoke(instance, arguments)!).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
        catch (Exception e)
        {
            logger.LogError(e, "Timer function {Function} failed", timer.Name);
        }
        return scheduled;
    }
}
