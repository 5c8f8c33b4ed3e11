using Longhorn.Functions.Resources;

namespace Longhorn.Functions.Tests.Support;

/// <summary>The real store, except that a read of one named resource throws the exception it is armed with (a stand-in for a bug).</summary>
public sealed class FailingResourceStore(IResourceStore inner) : IResourceStore
{
    private volatile Func<string, Exception?> _failure = _ => null;

    /// <summary>From now on, reading <paramref name="name"/> throws what <paramref name="failure"/> makes.</summary>
    public void FailReadsOf(string name, Func<Exception> failure) => _failure = n => n == name ? failure() : null;

    public Task<T?> GetAsync<T>(string name, CancellationToken cancellationToken) where T : Resource, IResourceKind =>
        _failure(name) is { } error ? throw error : inner.GetAsync<T>(name, cancellationToken);

    public Task<IReadOnlyList<T>> ListAsync<T>(LabelSelector? selector, CancellationToken cancellationToken) where T : Resource, IResourceKind =>
        inner.ListAsync<T>(selector, cancellationToken);

    public Task<T> CreateAsync<T>(T resource, CancellationToken cancellationToken) where T : Resource, IResourceKind =>
        inner.CreateAsync(resource, cancellationToken);

    public Task<T?> UpdateAsync<T>(T resource, CancellationToken cancellationToken) where T : Resource, IResourceKind =>
        inner.UpdateAsync(resource, cancellationToken);

    public Task<T?> DeleteAsync<T>(string name, CancellationToken cancellationToken) where T : Resource, IResourceKind =>
        inner.DeleteAsync<T>(name, cancellationToken);
}
