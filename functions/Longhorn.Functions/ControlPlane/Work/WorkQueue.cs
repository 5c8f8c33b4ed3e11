using System.Collections.Concurrent;
using System.Threading.Channels;

namespace Longhorn.Functions.ControlPlane.Work;

/// <summary>Background work the control plane owes a resource.</summary>
public enum WorkKind
{
    CreateBackup,
    DeleteBackup,
    Restore,
    DeleteBackupVolume,
    SyncBackupTarget,
    SyncBackupVolume,
    SystemBackup,
    SystemRestore,
}

/// <summary>One piece of work: its kind and the resource it is for.</summary>
public sealed record WorkItem(WorkKind Kind, string Name);

/// <summary>
/// The in-process queue of background work. An item is queued at most once; asking again while it runs makes it
/// run once more afterwards. Knows which items are active, so the reconciler can tell orphaned work from live work.
/// </summary>
public sealed class WorkQueue
{
    private readonly Channel<WorkItem> _channel = Channel.CreateUnbounded<WorkItem>();
    private readonly ConcurrentDictionary<WorkItem, Entry> _entries = new();
    private readonly object _changeGate = new();
    private TaskCompletionSource _changed = NewSignal();

    internal ChannelReader<WorkItem> Reader => _channel.Reader;

    /// <summary>Queues the item; false when it was already queued or running (it will run again).</summary>
    public bool Enqueue(WorkKind kind, string name)
    {
        var item = new WorkItem(kind, name);
        var entry = new Entry();
        if (_entries.TryAdd(item, entry))
        {
            _channel.Writer.TryWrite(item);
            return true;
        }
        if (_entries.TryGetValue(item, out var existing)) existing.RunAgain = true;
        else return Enqueue(kind, name);
        return false;
    }

    /// <summary>Queues <paramref name="kind"/> for the name once the active <paramref name="after"/> item has finished.</summary>
    public void EnqueueAfter(WorkKind after, string afterName, WorkKind kind, string name)
    {
        if (_entries.TryGetValue(new WorkItem(after, afterName), out var entry))
            entry.Done.Task.ContinueWith(_ => Enqueue(kind, name), TaskScheduler.Default);
        else Enqueue(kind, name);
    }

    public bool IsActive(WorkKind kind, string name) => _entries.ContainsKey(new WorkItem(kind, name));

    /// <summary>Asks the item's running handler to stop (its token is cancelled).</summary>
    public void Cancel(WorkKind kind, string name)
    {
        if (_entries.TryGetValue(new WorkItem(kind, name), out var entry)) entry.Cancellation.Cancel();
    }

    public Task WhenIdleAsync(WorkKind kind, string name, CancellationToken cancellationToken) =>
        _entries.TryGetValue(new WorkItem(kind, name), out var entry) ? entry.Done.Task.WaitAsync(cancellationToken) : Task.CompletedTask;

    /// <summary>Completes when any work item next finishes: waiters re-check the resources they care about.</summary>
    public Task WaitForChangeAsync(CancellationToken cancellationToken)
    {
        lock (_changeGate) return _changed.Task.WaitAsync(cancellationToken);
    }

    internal CancellationToken TokenOf(WorkItem item) =>
        _entries.TryGetValue(item, out var entry) ? entry.Cancellation.Token : CancellationToken.None;

    internal void Finish(WorkItem item)
    {
        if (_entries.TryRemove(item, out var entry))
        {
            entry.Done.TrySetResult();
            entry.Cancellation.Dispose();
            if (entry.RunAgain && !entry.Cancellation.IsCancellationRequested) Enqueue(item.Kind, item.Name);
        }
        TaskCompletionSource changed;
        lock (_changeGate)
        {
            changed = _changed;
            _changed = NewSignal();
        }
        changed.TrySetResult();
    }

    private static TaskCompletionSource NewSignal() => new(TaskCreationOptions.RunContinuationsAsynchronously);

    private sealed class Entry
    {
        public TaskCompletionSource Done { get; } = NewSignal();
        public CancellationTokenSource Cancellation { get; } = new();
        public volatile bool RunAgain;
    }
}
