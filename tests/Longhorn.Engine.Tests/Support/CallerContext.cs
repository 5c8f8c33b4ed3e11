using System.Runtime.CompilerServices;
using System.Threading.Tasks.Sources;
using Longhorn.Engine.Snapshots;
using Longhorn.Engine.Store;

namespace Longhorn.Engine.Tests.Support;

/// <summary>
/// A caller's SynchronizationContext (a UI thread, a classic ASP.NET request) that the engine must never resume on:
/// it counts every continuation posted to it and runs it on the thread pool, so a violation is counted, not hung.
/// <see cref="RunAsync{T}"/> makes it current wherever the operation's execution context flows (every continuation,
/// every pipeline worker), so an await in the engine that keeps the captured context posts here however deep it is.
/// </summary>
public sealed class CallerContext : SynchronizationContext
{
    private static readonly AsyncLocal<CallerContext?> Flowing = new(OnFlow);
    private readonly StrongBox<int> _posts;

    public CallerContext() => _posts = new StrongBox<int>();

    private CallerContext(StrongBox<int> posts) => _posts = posts;

    /// <summary>How many continuations of the engine's own code were posted to (or sent through) this context.</summary>
    public int Posts => Volatile.Read(ref _posts.Value);

    public override void Post(SendOrPostCallback d, object? state)
    {
        Count(state);
        ThreadPool.QueueUserWorkItem(_ => d(state));
    }

    public override void Send(SendOrPostCallback d, object? state)
    {
        Count(state);
        d(state);
    }

    /// <summary>
    /// Counts a continuation whose async method is the engine's. The context here is current on every thread of the
    /// operation, which a real caller's is not: library code the engine calls (Parallel.ForEachAsync's own awaits)
    /// may keep it there, and only the engine's awaits are under test.
    /// </summary>
    private void Count(object? state)
    {
        var target = state switch
        {
            Action action => action.Target,
            Tuple<Action<object?>, object?> callback => callback.Item2,
            _ => state,
        };
        var type = target?.GetType();
        var machine = type is { IsGenericType: true }
            ? type.GetGenericArguments().FirstOrDefault(t => typeof(IAsyncStateMachine).IsAssignableFrom(t))
            : null;
        if ((machine ?? type)?.Assembly == typeof(BackupStore).Assembly) Interlocked.Increment(ref _posts.Value);
    }

    public override SynchronizationContext CreateCopy() => this;

    /// <summary>Starts the operation with this context current and flowing through all of its continuations.</summary>
    public Task<T> RunAsync<T>(Func<Task<T>> operation) => Task.Run(() =>
    {
        Flowing.Value = this;
        return operation();
    });

    /// <summary>
    /// Each thread the operation reaches gets its own instance counting into the same total: a continuation that
    /// captured the context is then posted even when it completes on another thread of the operation (the runtime
    /// runs it inline only when the completing thread is already on that very instance).
    /// </summary>
    private static void OnFlow(AsyncLocalValueChangedArgs<CallerContext?> change)
    {
        if (change.CurrentValue is { } caller) SetSynchronizationContext(new CallerContext(caller._posts));
        else if (Current is CallerContext) SetSynchronizationContext(null);
    }
}

/// <summary>
/// Completes a call of a store, snapshot or restore target only after the engine has started waiting for it, on the
/// thread pool (as a remote store does), so every await of it really suspends and the engine's choice of context shows.
/// The call itself runs outside the caller's context: only the engine's own awaits are under test.
/// </summary>
public static class Later
{
    public static ValueTask<T> Of<T>(Func<ValueTask<T>> call) => new(new Completion<T>(() => call().AsTask()), 0);

    public static ValueTask Of(Func<ValueTask> call) =>
        new(new Completion<bool>(async () => { await call().ConfigureAwait(false); return true; }), 0);

    private sealed class Completion<T> : IValueTaskSource<T>, IValueTaskSource
    {
        private readonly Task<T> _call;
        private ManualResetValueTaskSourceCore<T> _core;

        public Completion(Func<Task<T>> call)
        {
            using (ExecutionContext.SuppressFlow())
                _call = Task.Run(call);
        }

        public ValueTaskSourceStatus GetStatus(short token) => _core.GetStatus(token);

        public T GetResult(short token) => _core.GetResult(token);

        void IValueTaskSource.GetResult(short token) => _core.GetResult(token);

        public void OnCompleted(Action<object?> continuation, object? state, short token, ValueTaskSourceOnCompletedFlags flags)
        {
            _core.OnCompleted(continuation, state, token, flags);
            using (ExecutionContext.SuppressFlow())
                _call.ContinueWith(call =>
                {
                    if (call.IsCompletedSuccessfully) _core.SetResult(call.Result);
                    else _core.SetException(call.Exception?.InnerException ?? new TaskCanceledException(call));
                }, CancellationToken.None, TaskContinuationOptions.None, TaskScheduler.Default);
        }
    }
}

/// <summary>A store whose every call completes <see cref="Later"/>.</summary>
public class LaterDriver(IBackupStoreDriver inner) : IBackupStoreDriver
{
    /// <summary>A later store over <paramref name="inner"/> that lists trees when the inner one does (the filesystem, S3).</summary>
    public static LaterDriver Over(IBackupStoreDriver inner) => inner is ITreeListingDriver lister ? new LaterTreeDriver(inner, lister) : new LaterDriver(inner);

    public string Url => inner.Url;
    public ValueTask<bool> FileExistsAsync(string path, CancellationToken ct) => Later.Of(() => inner.FileExistsAsync(path, ct));
    public ValueTask<long> FileSizeAsync(string path, CancellationToken ct) => Later.Of(() => inner.FileSizeAsync(path, ct));
    public ValueTask<DateTimeOffset?> FileTimeAsync(string path, CancellationToken ct) => Later.Of(() => inner.FileTimeAsync(path, ct));
    public ValueTask<Stream> ReadAsync(string path, CancellationToken ct) => Later.Of(() => inner.ReadAsync(path, ct));
    public ValueTask WriteAsync(string path, ReadOnlyMemory<byte> data, CancellationToken ct) => Later.Of(() => inner.WriteAsync(path, data, ct));
    public ValueTask<IReadOnlyList<string>> ListAsync(string path, CancellationToken ct) => Later.Of(() => inner.ListAsync(path, ct));
    public ValueTask RemoveAsync(string path, CancellationToken ct) => Later.Of(() => inner.RemoveAsync(path, ct));
    public ValueTask UploadAsync(string localPath, string path, CancellationToken ct) => Later.Of(() => inner.UploadAsync(localPath, path, ct));
    public ValueTask DownloadAsync(string path, string localPath, CancellationToken ct) => Later.Of(() => inner.DownloadAsync(path, localPath, ct));
}

/// <summary>A later store whose tree listings complete <see cref="Later"/> too.</summary>
public sealed class LaterTreeDriver(IBackupStoreDriver inner, ITreeListingDriver lister) : LaterDriver(inner), ITreeListingDriver
{
    public int TreePageSize => lister.TreePageSize;
    public ValueTask<IReadOnlyList<string>> ListTreeAsync(string path, CancellationToken ct) => Later.Of(() => lister.ListTreeAsync(path, ct));
}

/// <summary>A snapshot source, and the snapshots it opens, whose every call completes <see cref="Later"/>.</summary>
public sealed class LaterSnapshotSource(ISnapshotSource inner) : ISnapshotSource
{
    public long VolumeSize => inner.VolumeSize;

    public ValueTask<bool> HasSnapshotAsync(string snapshotName, CancellationToken ct) => Later.Of(() => inner.HasSnapshotAsync(snapshotName, ct));

    public ValueTask<ISnapshotReader> OpenSnapshotAsync(string snapshotName, CancellationToken ct) =>
        Later.Of(async () => (ISnapshotReader)new Reader(await inner.OpenSnapshotAsync(snapshotName, ct)));

    private sealed class Reader(ISnapshotReader inner) : ISnapshotReader
    {
        public ValueTask<IReadOnlyList<BlockMapping>> CompareAsync(string? baseSnapshotName, long blockSize, CancellationToken ct) =>
            Later.Of(() => inner.CompareAsync(baseSnapshotName, blockSize, ct));

        public ValueTask ReadAsync(long offset, Memory<byte> buffer, CancellationToken ct) => Later.Of(() => inner.ReadAsync(offset, buffer, ct));

        public ValueTask DisposeAsync() => Later.Of(() => inner.DisposeAsync());
    }
}

/// <summary>A restore target whose every call completes <see cref="Later"/>.</summary>
public sealed class LaterTarget(IRestoreTarget inner) : IRestoreTarget
{
    public ValueTask PrepareAsync(long size, CancellationToken ct) => Later.Of(() => inner.PrepareAsync(size, ct));
    public ValueTask WriteAsync(long offset, ReadOnlyMemory<byte> data, CancellationToken ct) => Later.Of(() => inner.WriteAsync(offset, data, ct));
    public ValueTask FillZerosAsync(long offset, long length, CancellationToken ct) => Later.Of(() => inner.FillZerosAsync(offset, length, ct));
}
