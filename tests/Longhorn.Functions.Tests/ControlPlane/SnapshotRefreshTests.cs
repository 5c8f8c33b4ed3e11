using Longhorn.Functions.Resources;
using Longhorn.Functions.Tests.Support;
using Microsoft.Extensions.DependencyInjection;

namespace Longhorn.Functions.Tests.ControlPlane;

/// <summary>
/// A new snapshot changes its own resource and its parent's children, nothing else: the volume's other Snapshot
/// resources are not rewritten (each write is a transaction and a watch event, once per snapshot the volume has).
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
}
