using System.Collections.Concurrent;
using Longhorn.Simulator.Replicas;
using Microsoft.Extensions.Options;

namespace Longhorn.Functions.ControlPlane.Volumes;

/// <summary>The simulated cluster's replicas: one Longhorn v1 replica directory per volume under the data dir, opened on demand.</summary>
public sealed class ReplicaRegistry(IOptions<LonghornOptions> options, TimeProvider time) : IAsyncDisposable
{
    private readonly string _root = options.Value.ReplicaRoot;
    private readonly ReplicaOptions _options = new ReplicaOptions { TimeProvider = time };
    private readonly ConcurrentDictionary<string, Lazy<Replica>> _open = new(StringComparer.Ordinal);

    public Replica Create(string volumeName, long size)
    {
        var directory = DirectoryOf(volumeName);
        if (Directory.Exists(directory)) Directory.Delete(directory, recursive: true);
        Replica replica;
        try
        {
            replica = Replica.Create(directory, size, _options);
        }
        catch
        {
            // A replica that could not be made (a size the disk refuses) leaves no head file behind.
            if (Directory.Exists(directory)) Directory.Delete(directory, recursive: true);
            throw;
        }
        _open[volumeName] = new Lazy<Replica>(replica);
        return replica;
    }

    /// <summary>The volume's replica, opened from its directory the first time after a start.</summary>
    public Replica Get(string volumeName) =>
        _open.GetOrAdd(volumeName, name => new Lazy<Replica>(() => Replica.Open(DirectoryOf(name), _options))).Value;

    public async Task RemoveAsync(string volumeName)
    {
        if (_open.TryRemove(volumeName, out var replica) && replica.IsValueCreated) await replica.Value.DisposeAsync().ConfigureAwait(false);
        var directory = DirectoryOf(volumeName);
        if (Directory.Exists(directory)) Directory.Delete(directory, recursive: true);
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var replica in _open.Values.Where(r => r.IsValueCreated)) await replica.Value.DisposeAsync().ConfigureAwait(false);
        _open.Clear();
    }

    private string DirectoryOf(string volumeName) => Path.Combine(_root, volumeName);
}
