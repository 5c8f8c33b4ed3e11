using System.Net;
using System.Text.Json.Nodes;
using Longhorn.Functions.Tests.Support;

namespace Longhorn.Functions.Tests;

/// <summary>Seed 003's flow through the HTTP functions alone: the CSI objects posted as JSON manifests, the controllers doing the rest.</summary>
public sealed class CsiFunctionsTests : IDisposable
{
    private const int MiB = 1024 * 1024;
    private readonly FunctionHost _host = new();

    public void Dispose() => _host.Dispose();

    private static JsonObject Claim(string name, string size, object? dataSource = null) => JsonNode.Parse(Api.Json(new
    {
        metadata = new { name },
        spec = new
        {
            storageClassName = "longhorn",
            accessModes = new[] { "ReadWriteOnce" },
            dataSource,
            resources = new { requests = new { storage = size } },
        },
    }))!.AsObject();

    private async Task<string> BoundVolumeAsync(string claim)
    {
        var bound = await _host.Api.WaitAsync($"/api/csi/persistentvolumeclaims/{claim}?namespace=default",
            c => (string?)c["status"]?["phase"] == "Bound", $"claim {claim} to be bound");
        return (string)bound["spec"]!["volumeName"]!;
    }

    [Fact]
    public async Task A_volume_snapshot_posted_to_the_functions_is_a_backup_and_a_claim_restores_it()
    {
        var api = _host.Api;
        await api.WaitForSyncAsync();
        await api.PostAsync("/api/csi/volumesnapshotclasses", new
        {
            metadata = new { name = "longhorn-backup-vsc" }, driver = "driver.longhorn.io", deletionPolicy = "Delete", parameters = new { type = "bak" },
        });
        var created = await api.PostAsync("/api/csi/persistentvolumeclaims", Claim("test-vol", "16Mi"));
        Assert.Equal("Pending", (string?)created["status"]?["phase"]);
        var source = await BoundVolumeAsync("test-vol");
        var atSnapshot = Api.Pattern(4 * MiB, seed: 71);
        await api.WriteAsync(source, 0, atSnapshot);

        await api.PostAsync("/api/csi/volumesnapshots", new
        {
            metadata = new { name = "test-snapshot-pvc", @namespace = "default" },
            spec = new { volumeSnapshotClassName = "longhorn-backup-vsc", source = new { persistentVolumeClaimName = "test-vol" } },
        });
        var snapshot = await api.WaitAsync("/api/csi/volumesnapshots/test-snapshot-pvc?namespace=default",
            s => (bool?)s["status"]?["readyToUse"] == true, "the VolumeSnapshot to be ready");
        var content = await api.GetAsync($"/api/csi/volumesnapshotcontents/{snapshot["status"]!["boundVolumeSnapshotContentName"]}");
        var backupName = ((string)content["status"]!["snapshotHandle"]!).Split('/')[^1];
        Assert.Equal("Completed", (string?)(await api.GetAsync($"/api/backups/{backupName}"))["state"]);

        await api.WriteAsync(source, 0, Api.Pattern(4 * MiB, seed: 72));
        await api.PostAsync("/api/csi/persistentvolumeclaims",
            Claim("restored", "16Mi", new { name = "test-snapshot-pvc", kind = "VolumeSnapshot", apiGroup = "snapshot.storage.k8s.io" }));
        Assert.Equal(atSnapshot, await api.ReadAsync(await BoundVolumeAsync("restored"), 0, 4 * MiB));

        await api.SendAsync(HttpMethod.Delete, "/api/csi/volumesnapshots/test-snapshot-pvc?namespace=default", expect: HttpStatusCode.NoContent);
        await Api.EventuallyAsync(async () =>
        {
            using var response = await api.Client.GetAsync($"/api/backups/{backupName}");
            return response.StatusCode == HttpStatusCode.NotFound;
        }, "the backup to be deleted with its VolumeSnapshot (Delete)");
    }

    [Fact]
    public async Task Objects_the_controllers_could_not_act_on_are_refused_naming_the_field_and_nothing_is_stored()
    {
        var api = _host.Api;
        var twoSources = await api.SendAsync(HttpMethod.Post, "/api/csi/volumesnapshots", new
        {
            metadata = new { name = "both" },
            spec = new { source = new { persistentVolumeClaimName = "a", volumeSnapshotContentName = "b" } },
        }, HttpStatusCode.BadRequest);
        Assert.Equal("spec.source", (string?)twoSources["field"]);
        var badSize = await api.SendAsync(HttpMethod.Post, "/api/csi/persistentvolumeclaims", Claim("x", "lots"), HttpStatusCode.BadRequest);
        Assert.Contains("spec.resources.requests.storage \"lots\" is not a positive quantity", (string?)badSize["detail"]);
        var badName = await api.SendAsync(HttpMethod.Post, "/api/csi/persistentvolumeclaims", Claim("Vol1", "4Mi"), HttpStatusCode.BadRequest);
        Assert.Equal("metadata.name", (string?)badName["field"]);
        var noPolicy = await api.SendAsync(HttpMethod.Post, "/api/csi/volumesnapshotclasses", new { metadata = new { name = "c" }, driver = "driver.longhorn.io" },
            HttpStatusCode.BadRequest);
        Assert.Equal("deletionPolicy", (string?)noPolicy["field"]);
        var wrongKind = await api.SendAsync(HttpMethod.Post, "/api/csi/volumesnapshots", new { kind = "Secret", metadata = new { name = "s" } }, HttpStatusCode.BadRequest);
        Assert.Equal("kind", (string?)wrongKind["field"]);
        await api.SendAsync(HttpMethod.Get, "/api/csi/secrets", expect: HttpStatusCode.NotFound);
        await api.SendAsync(HttpMethod.Get, "/api/csi/volumesnapshots/none?namespace=default", expect: HttpStatusCode.NotFound);
        foreach (var resource in new[] { "volumesnapshots", "persistentvolumeclaims", "volumesnapshotclasses" })
            Assert.Empty((await api.GetAsync($"/api/csi/{resource}"))["data"]!.AsArray());

        await api.PostAsync("/api/csi/persistentvolumeclaims", Claim("taken", "4Mi"));
        await api.SendAsync(HttpMethod.Post, "/api/csi/persistentvolumeclaims", Claim("taken", "4Mi"), HttpStatusCode.Conflict);
    }
}
