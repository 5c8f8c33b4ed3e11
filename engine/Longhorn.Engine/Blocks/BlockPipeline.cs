using System.Runtime.ExceptionServices;
using System.Threading.Channels;

namespace Longhorn.Engine.Blocks;

/// <summary>
/// The block pipeline of backups and restores: one producer, a bounded channel and N workers, each with its own
/// state (buffers, codec). The first worker failure cancels the others and is rethrown as itself; a cancellation that
/// neither the caller nor a failure asked for fails as a <see cref="BackupStoreException"/> with its message.
/// </summary>
internal static class BlockPipeline
{
    public static async Task RunAsync<TItem, TWorker>(IReadOnlyList<TItem> items, int workerCount, Func<TWorker> createWorker,
        Func<TWorker, TItem, CancellationToken, ValueTask> process, CancellationToken cancellationToken)
        where TWorker : IDisposable
    {
        if (items.Count == 0) return;
        workerCount = Math.Max(1, workerCount);
        using var failure = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var channel = Channel.CreateBounded<TItem>(new BoundedChannelOptions(workerCount * 2) { SingleWriter = true });

        async Task WorkerAsync()
        {
            using var worker = createWorker();
            try
            {
                await foreach (var item in channel.Reader.ReadAllAsync(failure.Token).ConfigureAwait(false))
                    await process(worker, item, failure.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException e) when (!failure.IsCancellationRequested)
            {
                // Nobody here cancelled (not the caller, not a failed sibling): a timeout inside the driver, such as
                // HttpClient's. As a cancellation it would reach the user as "A task was canceled."; it is a failure.
                await failure.CancelAsync().ConfigureAwait(false);
                throw new BackupStoreException(e.Message, e);
            }
            catch
            {
                await failure.CancelAsync().ConfigureAwait(false);
                throw;
            }
        }

        var workers = Enumerable.Range(0, workerCount).Select(_ => Task.Run(WorkerAsync)).ToArray();
        try
        {
            foreach (var item in items)
                await channel.Writer.WriteAsync(item, failure.Token).ConfigureAwait(false);
            channel.Writer.Complete();
        }
        catch (OperationCanceledException)
        {
            channel.Writer.TryComplete();
        }
        try
        {
            await Task.WhenAll(workers).ConfigureAwait(false);
        }
        catch when (workers.FirstOrDefault(w => w.IsFaulted && w.Exception!.InnerException is not OperationCanceledException) is { } failed)
        {
            // Report the worker's own error, not the cancellations it caused in the others.
            ExceptionDispatchInfo.Capture(failed.Exception!.InnerException!).Throw();
        }
        cancellationToken.ThrowIfCancellationRequested();
    }
}
