using System.Net;
using System.Net.Http.Json;
using Longhorn.Functions.Cluster;
using Longhorn.Functions.ControlPlane;
using Longhorn.Functions.Resources;
using Longhorn.Functions.Tests.Support;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace Longhorn.Functions.Tests.ControlPlane;

/// <summary>
/// A new snapshot changes its own resource and its parent's children, nothing else: the volume's other Snapshot
/// resources are not rewritten (each write is a transaction and a watch event, once per snapshot the volume has). A
/// snapshot deleted while the refresh writes it (the previous backup's, by auto-cleanup) does not fail the new one.
/// </summary>
public sealed class SnapshotRefreshTests
{
    [Fact]
    public async Task A_new_snapshot_rewrites_only_its_parent_and_leaves_the_older_snapshots_untouched()
    {
        using var host = new FunctionHost();
        var api = host.Api;
        var resources = host.Services.GetRequiredService<IResourceStore>();
        await api.CreateVolumeAsync(new { name = "vol1", size = 8L * 1024 * 1024 });
        foreach (var name in new[] { "s1", "s2", "s3", "s4" })
            await api.SendAsync(HttpMethod.Post, "/api/volumes/vol1/snapshots", new { name });
        var before = (await resources.ListAsync<Snapshot>(null, CancellationToken.None)).ToDictionary(s => s.Name);

        await api.SendAsync(HttpMethod.Post, "/api/volumes/vol1/snapshots", new { name = "s5" });

        var after = (await resources.ListAsync<Snapshot>(null, CancellationToken.None)).ToDictionary(s => s.Name);
        Assert.Equal(["s1", "s2", "s3", "s4", "s5"], after.Keys.Order());
        foreach (var name in new[] { "s1", "s2", "s3" })
            Assert.Equal(before[name].Metadata.ResourceVersion, after[name].Metadata.ResourceVersion);
        Assert.NotEqual(before["s4"].Metadata.ResourceVersion, after["s4"].Metadata.ResourceVersion);
        Assert.Equal(["s5"], after["s4"].Status.Children.Keys);
        Assert.Equal("s4", after["s5"].Status.Parent);
        Assert.True(after["s5"].Status.ReadyToUse);
    }

    [Fact]
    public async Task A_new_snapshot_is_taken_when_its_parent_is_deleted_while_the_refresh_writes_it()
    {
        // What the fault soak met: a backup's POST took a snapshot while the previous backup's snapshot, its parent, was
        // being deleted by auto-cleanup-snapshot-after-on-demand-backup-completed; the refresh read the parent, the
        // cleanup deleted it, and the refresh's write failed the POST with 404 "Snapshot ... not found".
        using var host = new FunctionHost(services: services =>
        {
            services.RemoveAll<IResourceStore>();
            services.AddSingleton<IResourceStore>(sp => new DeletedBeforeWriteStore(new SqliteResourceStore(
                sp.GetRequiredService<IOptions<LonghornOptions>>().Value.DatabasePath, sp.GetRequiredService<TimeProvider>()), "s1"));
        });
        var api = host.Api;
        var resources = host.Services.GetRequiredService<IResourceStore>();
        await api.CreateVolumeAsync(new { name = "vol1", size = 8L * 1024 * 1024 });
        await api.SendAsync(HttpMethod.Post, "/api/volumes/vol1/snapshots", new { name = "s1" });

        using var response = await api.Client.PostAsJsonAsync("/api/volumes/vol1/snapshots", new { name = "s2" });

        Assert.True(response.IsSuccessStatusCode, $"{(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
        Assert.Null(await resources.GetAsync<Snapshot>("s1", CancellationToken.None));
        var s2 = await resources.GetAsync<Snapshot>("s2", CancellationToken.None);
        Assert.True(s2 is { Status.ReadyToUse: true }, "s2 was not refreshed from the replica");
        Assert.Equal("s1", s2!.Status.Parent);
    }

    /// <summary>The real store, except that the first write of one snapshot after its creation finds it deleted just before.</summary>
    private sealed class DeletedBeforeWriteStore(IResourceStore inner, string victim) : IResourceStore
    {
        private int _created;
        private int _deleted;

        public Task<T?> GetAsync<T>(string name, CancellationToken cancellationToken) where T : Resource, IResourceKind =>
            inner.GetAsync<T>(name, cancellationToken);

        public Task<IReadOnlyList<T>> ListAsync<T>(LabelSelector? selector, CancellationToken cancellationToken) where T : Resource, IResourceKind =>
            inner.ListAsync<T>(selector, cancellationToken);

        public Task<T> CreateAsync<T>(T resource, CancellationToken cancellationToken) where T : Resource, IResourceKind
        {
            if (resource is Snapshot && resource.Name != victim) Volatile.Write(ref _created, 1);
            return inner.CreateAsync(resource, cancellationToken);
        }

        public async Task<T?> UpdateAsync<T>(T resource, CancellationToken cancellationToken) where T : Resource, IResourceKind
        {
            // Only once the next snapshot exists: the victim's own refresh when it was taken is left alone.
            if (resource is Snapshot && resource.Name == victim && Volatile.Read(ref _created) == 1 && Interlocked.Exchange(ref _deleted, 1) == 0)
                await inner.DeleteAsync<Snapshot>(victim, cancellationToken);
            return await inner.UpdateAsync(resource, cancellationToken);
        }

        public Task<T?> DeleteAsync<T>(string name, CancellationToken cancellationToken) where T : Resource, IResourceKind =>
            inner.DeleteAsync<T>(name, cancellationToken);
    }
}
