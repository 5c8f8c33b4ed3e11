using Longhorn.Functions.Resources;

namespace Longhorn.Functions.Tests.Support;

/// <summary>
/// The real store, except that the first progress write of a running backup returns only when the test
/// releases it: the backup stays mid-way (its progress readable) for as long as the test looks at it.
/// </summary>
public sealed class HeldProgressStore(IResourceStore inner) : IResourceStore
{
    private readonly TaskCompletionSource _release = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private int _held;

    /// <summary>Lets the held write, and the backup behind it, go on.</summary>
    public void Release() => _release.TrySetResult();

    public Task<T?> GetAsync<T>(string name, CancellationToken cancellationToken) where T : Resource, IResourceKind =>
        inner.GetAsync<T>(name, cancellationToken);

    public Task<IReadOnlyList<T>> ListAsync<T>(LabelSelector? selector, CancellationToken cancellationToken) where T : Resource, IResourceKind =>
        inner.ListAsync<T>(selector, cancellationToken);

    public Task<T> CreateAsync<T>(T resource, CancellationToken cancellationToken) where T : Resource, IResourceKind =>
        inner.CreateAsync(resource, cancellationToken);

    public async Task<T?> UpdateAsync<T>(T resource, CancellationToken cancellationToken) where T : Resource, IResourceKind
    {
        var updated = await inner.UpdateAsync(resource, cancellationToken);
        // The first progress write of the running backup, whatever its value: the recorder coalesces a burst of reports
        // (under load even 25, 50, 75 and 100 into one write of 100), but it always writes some progress while the
        // backup is InProgress, before the final state.
        if (resource is Backup { Status: { State: BackupStates.InProgress, Progress: > 0 } } && Interlocked.Exchange(ref _held, 1) == 0)
            await _release.Task.WaitAsync(cancellationToken);
        return updated;
    }

    public Task<T?> DeleteAsync<T>(string name, CancellationToken cancellationToken) where T : Resource, IResourceKind =>
        inner.DeleteAsync<T>(name, cancellationToken);
}
