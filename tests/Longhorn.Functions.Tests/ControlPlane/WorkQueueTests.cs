using Longhorn.Functions.ControlPlane;
using System.Collections.Concurrent;
using Longhorn.Functions.ControlPlane.Work;
using Longhorn.Functions.Hosting;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace Longhorn.Functions.Tests.ControlPlane;

/// <summary>The work queue's rules, driven through the real worker pool: run-again, cancellation, work queued after other work.</summary>
public sealed class WorkQueueTests : IAsyncLifetime
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);

    private readonly WorkQueue _queue = new();
    private readonly Handler _backups = new(WorkKind.CreateBackup);
    private readonly Handler _deletions = new(WorkKind.DeleteBackup);
    private readonly WorkerPool _pool;

    public WorkQueueTests() =>
        _pool = new WorkerPool(_queue, [_backups, _deletions], Options.Create(new LonghornOptions { Workers = 2 }), NullLogger<WorkerPool>.Instance);

    public Task InitializeAsync() => _pool.StartAsync(CancellationToken.None);

    public async Task DisposeAsync()
    {
        _backups.Release();
        _deletions.Release();
        await _pool.StopAsync(CancellationToken.None);
        _pool.Dispose();
    }

    [Fact]
    public async Task Asking_again_while_an_item_runs_runs_it_exactly_once_more_afterwards()
    {
        Assert.True(_queue.Enqueue(WorkKind.CreateBackup, "b1"));
        await _backups.Started("b1", 1);

        Assert.False(_queue.Enqueue(WorkKind.CreateBackup, "b1"));
        Assert.False(_queue.Enqueue(WorkKind.CreateBackup, "b1"));
        Assert.Equal(1, _backups.Runs("b1"));
        _backups.Release();

        await _backups.Started("b1", 2);
        await IdleAsync(WorkKind.CreateBackup, "b1");
        Assert.Equal(2, _backups.Runs("b1"));
    }

    [Fact]
    public async Task An_item_is_queued_once_and_is_active_until_it_has_run()
    {
        _backups.Release();
        Assert.True(_queue.Enqueue(WorkKind.CreateBackup, "b1"));
        Assert.True(_queue.IsActive(WorkKind.CreateBackup, "b1"));
        Assert.False(_queue.IsActive(WorkKind.DeleteBackup, "b1"));

        await IdleAsync(WorkKind.CreateBackup, "b1");
        Assert.False(_queue.IsActive(WorkKind.CreateBackup, "b1"));
        Assert.True(_queue.Enqueue(WorkKind.CreateBackup, "b1"));
    }

    [Fact]
    public async Task Cancelling_an_item_stops_its_handler_and_drops_a_pending_run_again()
    {
        Assert.True(_queue.Enqueue(WorkKind.CreateBackup, "b1"));
        await _backups.Started("b1", 1);
        Assert.False(_queue.Enqueue(WorkKind.CreateBackup, "b1"));

        _queue.Cancel(WorkKind.CreateBackup, "b1");

        await IdleAsync(WorkKind.CreateBackup, "b1");
        Assert.Equal(1, _backups.Cancelled("b1"));
        Assert.Equal(1, _backups.Runs("b1"));
        Assert.False(_queue.IsActive(WorkKind.CreateBackup, "b1"));
    }

    [Fact]
    public async Task Work_queued_after_an_active_item_starts_only_once_that_item_has_finished()
    {
        _deletions.Release();
        Assert.True(_queue.Enqueue(WorkKind.CreateBackup, "b1"));
        await _backups.Started("b1", 1);

        _queue.EnqueueAfter(WorkKind.CreateBackup, "b1", WorkKind.DeleteBackup, "b1");
        await Task.Delay(100);
        Assert.False(_queue.IsActive(WorkKind.DeleteBackup, "b1"));
        Assert.Equal(0, _deletions.Runs("b1"));

        _backups.Release();
        await _deletions.Started("b1", 1);
        Assert.True(_backups.FinishedAt("b1") <= _deletions.StartedAt("b1"));
    }

    [Fact]
    public async Task Work_queued_after_an_idle_item_is_queued_at_once()
    {
        _deletions.Release();
        _queue.EnqueueAfter(WorkKind.CreateBackup, "b1", WorkKind.DeleteBackup, "b1");
        Assert.True(_queue.IsActive(WorkKind.DeleteBackup, "b1") || _deletions.Runs("b1") == 1);
        await _deletions.Started("b1", 1);
    }

    [Fact]
    public async Task Waiters_for_a_change_wake_when_any_item_finishes()
    {
        var changed = _queue.WaitForChangeAsync(CancellationToken.None);
        Assert.True(_queue.Enqueue(WorkKind.CreateBackup, "b1"));
        await _backups.Started("b1", 1);
        Assert.False(changed.IsCompleted);

        _backups.Release();
        await changed.WaitAsync(Patience);
    }

    private Task IdleAsync(WorkKind kind, string name) => _queue.WhenIdleAsync(kind, name, CancellationToken.None).WaitAsync(Patience);

    /// <summary>A handler that records its runs and, until released, blocks each run until it is cancelled.</summary>
    private sealed class Handler(WorkKind kind) : IWorkHandler
    {
        private readonly ConcurrentDictionary<string, int> _runs = new();
        private readonly ConcurrentDictionary<string, int> _cancelled = new();
        private readonly ConcurrentDictionary<string, long> _startedAt = new();
        private readonly ConcurrentDictionary<string, long> _finishedAt = new();
        private readonly TaskCompletionSource _released = new(TaskCreationOptions.RunContinuationsAsynchronously);
        public WorkKind Kind => kind;

        public void Release() => _released.TrySetResult();

        public int Runs(string name) => _runs.GetValueOrDefault(name);

        public int Cancelled(string name) => _cancelled.GetValueOrDefault(name);

        public long StartedAt(string name) => _startedAt[name];

        public long FinishedAt(string name) => _finishedAt[name];

        /// <summary>Waits until the item has started its <paramref name="run"/>th run.</summary>
        public async Task Started(string name, int run)
        {
            var deadline = DateTime.UtcNow + Patience;
            while (Runs(name) < run)
            {
                if (DateTime.UtcNow > deadline) Assert.Fail($"{kind} {name} did not start run {run}");
                await Task.Delay(10);
            }
        }

        public async Task RunAsync(string name, CancellationToken cancellationToken)
        {
            _startedAt[name] = System.Diagnostics.Stopwatch.GetTimestamp();
            _runs.AddOrUpdate(name, 1, (_, n) => n + 1);
            try
            {
                await _released.Task.WaitAsync(cancellationToken);
            }
            catch (OperationCanceledException)
            {
                _cancelled.AddOrUpdate(name, 1, (_, n) => n + 1);
                throw;
            }
            finally
            {
                _finishedAt[name] = System.Diagnostics.Stopwatch.GetTimestamp();
            }
        }
    }
}
