using System.Collections.Concurrent;
using Longhorn.Functions.ControlPlane.Work;
using Longhorn.Testing;

namespace Longhorn.Functions.Tests.Work;

/// <summary>
/// Progress reaches the resource at most once per interval (the first report at once), only rising, the latest of a
/// burst; draining writes the latest at once. The clock is the test's.
/// </summary>
public sealed class ProgressRecorderTests
{
    private readonly ManualClock _clock = new(DateTimeOffset.UtcNow);
    private readonly ConcurrentQueue<int> _writes = new();

    private ProgressRecorder Recorder() => new(p =>
    {
        _writes.Enqueue(p);
        return Task.CompletedTask;
    }, _clock, TimeSpan.FromMilliseconds(250));

    [Fact]
    public async Task A_burst_of_reports_is_one_write_now_and_one_of_the_latest_after_the_interval()
    {
        var recorder = Recorder();
        recorder.Report(1);
        await Eventually.HoldsAsync(() => _writes.Count == 1 && _clock.PendingDelays == 1, "the first write, then the wait");
        for (var p = 2; p <= 50; p++) recorder.Report(p);
        recorder.Report(40);
        _clock.Advance(TimeSpan.FromMilliseconds(249));
        Assert.Single(_writes);
        _clock.Advance(TimeSpan.FromMilliseconds(1));
        await Eventually.HoldsAsync(() => _writes.Count == 2, "the latest value after the interval");
        Assert.Equal([1, 50], _writes);
    }

    [Fact]
    public async Task Draining_writes_the_latest_value_at_once_without_waiting_for_the_interval()
    {
        var recorder = Recorder();
        recorder.Report(10);
        await Eventually.HoldsAsync(() => _writes.Count == 1 && _clock.PendingDelays == 1, "the first write, then the wait");
        recorder.Report(95);

        await recorder.DrainAsync().WaitAsync(TimeSpan.FromSeconds(30));

        Assert.Equal([10, 95], _writes);
        recorder.Report(90);
        Assert.Equal([10, 95], _writes);
    }

    [Fact]
    public async Task Stopping_drops_the_unwritten_value_and_waits_for_the_write_under_way()
    {
        var entered = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var recorder = new ProgressRecorder(async p =>
        {
            entered.TrySetResult();
            await release.Task;
            _writes.Enqueue(p);
        }, _clock, TimeSpan.FromMilliseconds(250));
        recorder.Report(10);
        await entered.Task.WaitAsync(TimeSpan.FromSeconds(30));
        recorder.Report(100);

        var stopped = recorder.StopAsync();
        Assert.False(stopped.IsCompleted, "stopped while the write of 10 was still under way");
        release.SetResult();
        await stopped.WaitAsync(TimeSpan.FromSeconds(30));

        Assert.Equal([10], _writes);
        recorder.Report(100);
        _clock.Advance(TimeSpan.FromSeconds(1));
        await recorder.DrainAsync().WaitAsync(TimeSpan.FromSeconds(30));
        Assert.Equal([10], _writes);
    }
}
