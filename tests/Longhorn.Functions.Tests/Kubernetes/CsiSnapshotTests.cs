using System.Net;
using Longhorn.Functions.Tests.Support;

namespace Longhorn.Functions.Tests.Kubernetes;

/// <summary>Seeds 001 and 003 with kubectl: a VolumeSnapshot of a PVC is a Longhorn backup, and a PVC restored from it has the bytes of that moment.</summary>
[RequiresTool("kubectl")]
public sealed class CsiSnapshotTests : IDisposable
{
    private const int MiB = 1024 * 1024;
    private readonly FunctionHost _host = new();
    private readonly Kubectl _kubectl;

    public CsiSnapshotTests() => _kubectl = Kubectl.For(_host);

    public void Dispose() => _host.Dispose();

    private async Task<string> BoundVolumeAsync(string claim)
    {
        try
        {
            await Api.EventuallyAsync(async () => await _kubectl.OkAsync("-n", "default", "get", "pvc", claim, "-o", "jsonpath={.status.phase}") == "Bound",
                $"claim {claim} to be bound");
        }
        catch (Xunit.Sdk.FailException e)
        {
            Assert.Fail($"{e.Message}\n{await _kubectl.OkAsync("-n", "default", "describe", "pvc", claim)}");
        }
        return await _kubectl.OkAsync("-n", "default", "get", "pvc", claim, "-o", "jsonpath={.spec.volumeName}");
    }

    private async Task CreateAsync(string yaml)
    {
        var (exit, _, error) = await _kubectl.RunWithInputAsync(yaml, "-n", "default", "create", "-f", "-");
        Assert.True(exit == 0, error);
    }

    private static string RestoreClaim(string name, string snapshot, string size) => $$"""
        apiVersion: v1
        kind: PersistentVolumeClaim
        metadata:
          name: {{name}}
        spec:
          storageClassName: longhorn
          dataSource:
            name: {{snapshot}}
            kind: VolumeSnapshot
            apiGroup: snapshot.storage.k8s.io
          accessModes:
            - ReadWriteOnce
          resources:
            requests:
              storage: {{size}}
        """;

    [ToolFact]
    public async Task A_volume_snapshot_is_a_longhorn_backup_and_a_pvc_restored_from_it_has_its_bytes()
    {
        var api = _host.Api;
        await api.WaitForSyncAsync();
        await _kubectl.OkAsync("create", "-f", Kubectl.ManifestPath("volumesnapshotclass-bak.yaml"));
        await CreateAsync("""
            apiVersion: v1
            kind: PersistentVolumeClaim
            metadata:
              name: test-vol
            spec:
              accessModes: [ReadWriteOnce]
              storageClassName: longhorn
              resources:
                requests:
                  storage: 16Mi
            """);
        var source = await BoundVolumeAsync("test-vol");
        var atSnapshot = Api.Pattern(4 * MiB, seed: 31);
        await api.WriteAsync(source, 0, atSnapshot);

        Assert.Equal("volumesnapshot.snapshot.storage.k8s.io/test-snapshot-pvc created",
            (await _kubectl.OkAsync("-n", "default", "create", "-f", Kubectl.ManifestPath("volumesnapshot-test-snapshot-pvc.yaml"))).Trim());
        await Api.EventuallyAsync(async () => await _kubectl.OkAsync("-n", "default", "get", "vs", "test-snapshot-pvc", "-o", "jsonpath={.status.readyToUse}") == "true",
            "the VolumeSnapshot to be ready");
        var uid = await _kubectl.OkAsync("-n", "default", "get", "vs", "test-snapshot-pvc", "-o", "jsonpath={.metadata.uid}");
        Assert.Equal("snapcontent-" + uid, await _kubectl.OkAsync("-n", "default", "get", "vs", "test-snapshot-pvc", "-o", "jsonpath={.status.boundVolumeSnapshotContentName}"));
        Assert.Equal("16Mi", await _kubectl.OkAsync("-n", "default", "get", "vs", "test-snapshot-pvc", "-o", "jsonpath={.status.restoreSize}"));
        var handle = await _kubectl.OkAsync("get", "vsc", "snapcontent-" + uid, "-o", "jsonpath={.status.snapshotHandle}");
        Assert.StartsWith($"bak://{source}/backup-", handle);
        var backupName = handle.Split('/')[^1];
        // The backup is one like any other: in the HTTP functions' list, Completed, of the snapshot snapshot-<uid>.
        var backup = await api.GetAsync($"/api/backups/{backupName}");
        Assert.Equal("Completed", (string?)backup["state"]);
        Assert.Equal("snapshot-" + uid, (string?)backup["snapshotName"]);
        Assert.Contains(await api.ListAsync($"/api/backups?volume={source}"), b => (string?)b["name"] == backupName);

        // The source keeps changing; the restore has the bytes of the snapshot's moment.
        await api.WriteAsync(source, 0, Api.Pattern(4 * MiB, seed: 32));
        await CreateAsync(RestoreClaim("test-restore-snapshot-pvc", "test-snapshot-pvc", "16Mi"));
        var restored = await BoundVolumeAsync("test-restore-snapshot-pvc");
        Assert.Equal(atSnapshot, await api.ReadAsync(restored, 0, 4 * MiB));

        // A request of another size is refused with an event that says so, and makes no volume.
        await CreateAsync(RestoreClaim("wrong-size", "test-snapshot-pvc", "32Mi"));
        await Api.EventuallyAsync(async () => (await _kubectl.OkAsync("-n", "default", "describe", "pvc", "wrong-size"))
            .Contains("must be the same as the size of the VolumeSnapshot", StringComparison.Ordinal), "the size mismatch event");
        Assert.Equal("Pending", await _kubectl.OkAsync("-n", "default", "get", "pvc", "wrong-size", "-o", "jsonpath={.status.phase}"));

        // Deleting the VolumeSnapshot under Delete deletes the content and the backup.
        await _kubectl.OkAsync("-n", "default", "delete", "vs", "test-snapshot-pvc");
        await Api.EventuallyAsync(async () =>
        {
            using var response = await api.Client.GetAsync($"/api/backups/{backupName}");
            return response.StatusCode == HttpStatusCode.NotFound;
        }, "the backup to be deleted with its VolumeSnapshot");
        Assert.NotEqual(0, (await _kubectl.RunAsync("get", "vsc", "snapcontent-" + uid)).Exit);
    }

    [ToolFact]
    public async Task A_backup_made_through_the_http_functions_restores_through_a_pre_provisioned_content()
    {
        var api = _host.Api;
        await api.WaitForSyncAsync();
        await api.CreateVolumeAsync(new { name = "plain", size = 8L * MiB });
        var data = Api.Pattern(2 * MiB, seed: 41);
        await api.WriteAsync("plain", 0, data);
        var backup = (string)(await api.BackupAsync("plain"))["name"]!;
        await _kubectl.OkAsync("create", "-f", Kubectl.ManifestPath("volumesnapshotclass-bak.yaml"));
        // The legacy bs:// scheme of seed 001 names the same backup.
        await CreateAsync($$"""
            apiVersion: snapshot.storage.k8s.io/v1
            kind: VolumeSnapshotContent
            metadata:
              name: test-existing-backup
            spec:
              volumeSnapshotClassName: longhorn-backup-vsc
              driver: driver.longhorn.io
              deletionPolicy: Retain
              source:
                snapshotHandle: bs://plain/{{backup}}
              volumeSnapshotRef:
                name: test-snapshot-existing-backup
                namespace: default
            ---
            apiVersion: snapshot.storage.k8s.io/v1beta1
            kind: VolumeSnapshot
            metadata:
              name: test-snapshot-existing-backup
            spec:
              volumeSnapshotClassName: longhorn-backup-vsc
              source:
                volumeSnapshotContentName: test-existing-backup
            """);
        await Api.EventuallyAsync(async () => await _kubectl.OkAsync("-n", "default", "get", "vs", "test-snapshot-existing-backup", "-o", "jsonpath={.status.readyToUse}") == "true",
            "the pre-provisioned VolumeSnapshot to be ready");
        await CreateAsync(RestoreClaim("from-existing", "test-snapshot-existing-backup", "8Mi"));
        var restored = await BoundVolumeAsync("from-existing");
        Assert.Equal(data, await api.ReadAsync(restored, 0, 2 * MiB));

        // Retain: the backup stays when the VolumeSnapshot goes.
        await _kubectl.OkAsync("-n", "default", "delete", "vs", "test-snapshot-existing-backup");
        Assert.Equal("Completed", (string?)(await api.GetAsync($"/api/backups/{backup}"))["state"]);
    }

    [ToolFact]
    public async Task Seed_001s_v1beta1_volume_snapshot_of_the_default_longhorn_class_becomes_a_backup()
    {
        await _host.Api.WaitForSyncAsync();
        // Seed 001: "We create a default class named longhorn, which uses Delete as its deletionPolicy" (type empty: a backup).
        await CreateAsync("""
            kind: VolumeSnapshotClass
            apiVersion: snapshot.storage.k8s.io/v1beta1
            metadata:
              name: longhorn
            driver: driver.longhorn.io
            deletionPolicy: Delete
            ---
            apiVersion: v1
            kind: PersistentVolumeClaim
            metadata:
              name: test-vol
            spec:
              accessModes: [ReadWriteOnce]
              storageClassName: longhorn
              resources:
                requests:
                  storage: 4Mi
            """);
        var volume = await BoundVolumeAsync("test-vol");
        Assert.Equal("volumesnapshot.snapshot.storage.k8s.io/test-snapshot-pvc created",
            (await _kubectl.OkAsync("-n", "default", "create", "-f", Kubectl.ManifestPath("volumesnapshot-seed001.yaml"))).Trim());
        await Api.EventuallyAsync(async () => await _kubectl.OkAsync("-n", "default", "get", "volumesnapshots.v1beta1.snapshot.storage.k8s.io", "test-snapshot-pvc",
            "-o", "jsonpath={.status.readyToUse}") == "true", "the v1beta1 VolumeSnapshot to be ready");
        var content = await _kubectl.OkAsync("-n", "default", "get", "vs", "test-snapshot-pvc", "-o", "jsonpath={.status.boundVolumeSnapshotContentName}");
        Assert.StartsWith($"bak://{volume}/backup-", await _kubectl.OkAsync("get", "vsc", content, "-o", "jsonpath={.status.snapshotHandle}"));
    }

    [ToolFact]
    public async Task Bad_classes_handles_and_sources_leave_an_error_and_make_nothing()
    {
        await CreateAsync("""
            kind: VolumeSnapshotClass
            apiVersion: snapshot.storage.k8s.io/v1
            metadata:
              name: weird
            driver: driver.longhorn.io
            deletionPolicy: Delete
            parameters:
              type: longhorn-backup
            ---
            kind: VolumeSnapshotClass
            apiVersion: snapshot.storage.k8s.io/v1
            metadata:
              name: backing-image
            driver: driver.longhorn.io
            deletionPolicy: Delete
            parameters:
              type: bi
            ---
            apiVersion: v1
            kind: PersistentVolumeClaim
            metadata:
              name: data
            spec:
              accessModes: [ReadWriteOnce]
              storageClassName: longhorn
              resources:
                requests:
                  storage: 4Mi
            """);
        await BoundVolumeAsync("data");
        await CreateAsync("""
            apiVersion: snapshot.storage.k8s.io/v1
            kind: VolumeSnapshot
            metadata:
              name: bad-type
            spec:
              volumeSnapshotClassName: weird
              source:
                persistentVolumeClaimName: data
            ---
            apiVersion: snapshot.storage.k8s.io/v1
            kind: VolumeSnapshot
            metadata:
              name: bi-type
            spec:
              volumeSnapshotClassName: backing-image
              source:
                persistentVolumeClaimName: data
            ---
            apiVersion: snapshot.storage.k8s.io/v1
            kind: VolumeSnapshot
            metadata:
              name: no-claim
            spec:
              volumeSnapshotClassName: weird
              source:
                persistentVolumeClaimName: missing
            ---
            apiVersion: snapshot.storage.k8s.io/v1
            kind: VolumeSnapshotContent
            metadata:
              name: bad-handle
            spec:
              driver: driver.longhorn.io
              deletionPolicy: Delete
              source:
                snapshotHandle: nfs://somewhere/else
              volumeSnapshotRef:
                name: bad-handle-vs
                namespace: default
            ---
            apiVersion: snapshot.storage.k8s.io/v1
            kind: VolumeSnapshot
            metadata:
              name: bad-handle-vs
            spec:
              source:
                volumeSnapshotContentName: bad-handle
            """);
        async Task<string> ErrorOf(string name) => await _kubectl.OkAsync("-n", "default", "get", "vs", name, "-o", "jsonpath={.status.error.message}");
        await Api.EventuallyAsync(async () => (await ErrorOf("bad-type")).Contains("invalid CSI snapshot type", StringComparison.Ordinal), "the bad type's error");
        await Api.EventuallyAsync(async () => (await ErrorOf("bi-type")).Contains("CSI snapshot type \"bi\" (a backing image exported from the volume) is not supported", StringComparison.Ordinal),
            "the backing image type's error");
        await Api.EventuallyAsync(async () => (await ErrorOf("no-claim")).Contains("persistentvolumeclaims \"missing\" not found", StringComparison.Ordinal), "the missing claim's error");
        await Api.EventuallyAsync(async () => (await ErrorOf("bad-handle-vs")).Contains("invalid snapshot handle", StringComparison.Ordinal), "the bad handle's error");
        Assert.Empty(await _host.Api.ListAsync("/api/backups"));
        var volume = await BoundVolumeAsync("data");
        Assert.DoesNotContain(await _host.Api.ListAsync($"/api/volumes/{volume}/snapshots"), s => ((string?)s["name"])!.StartsWith("snapshot-", StringComparison.Ordinal));
    }

    private const string SnapClass = """
        kind: VolumeSnapshotClass
        apiVersion: snapshot.storage.k8s.io/v1
        metadata:
          name: longhorn-snapshot-vsc
        driver: driver.longhorn.io
        deletionPolicy: Delete
        parameters:
          type: snap
        """;

    private static string Claim(string name, string size, string? dataSource = null) => $$"""
        apiVersion: v1
        kind: PersistentVolumeClaim
        metadata:
          name: {{name}}
        spec:
          accessModes: [ReadWriteOnce]
          storageClassName: longhorn
        {{dataSource ?? ""}}
          resources:
            requests:
              storage: {{size}}
        """;

    [ToolFact]
    public async Task A_snap_volume_snapshot_restores_as_a_clone_of_the_in_cluster_snapshot_with_that_moments_bytes()
    {
        var api = _host.Api;
        await CreateAsync(SnapClass);
        await CreateAsync(Claim("test-vol", "16Mi"));
        var source = await BoundVolumeAsync("test-vol");
        var atSnapshot = Api.Pattern(6 * MiB, seed: 41);
        await api.WriteAsync(source, 2 * MiB, atSnapshot);
        await CreateAsync("""
            apiVersion: snapshot.storage.k8s.io/v1
            kind: VolumeSnapshot
            metadata:
              name: in-cluster
            spec:
              volumeSnapshotClassName: longhorn-snapshot-vsc
              source:
                persistentVolumeClaimName: test-vol
            """);
        await Api.EventuallyAsync(async () => await _kubectl.OkAsync("-n", "default", "get", "vs", "in-cluster", "-o", "jsonpath={.status.readyToUse}") == "true",
            "the snap VolumeSnapshot to be ready");
        var uid = await _kubectl.OkAsync("-n", "default", "get", "vs", "in-cluster", "-o", "jsonpath={.metadata.uid}");
        Assert.Equal($"snap://{source}/snapshot-{uid}", await _kubectl.OkAsync("get", "vsc", "snapcontent-" + uid, "-o", "jsonpath={.status.snapshotHandle}"));
        Assert.Empty(await api.ListAsync("/api/backups"));

        await api.WriteAsync(source, 0, Api.Pattern(16 * MiB, seed: 42));
        await CreateAsync(RestoreClaim("from-snap", "in-cluster", "16Mi"));
        var restored = await BoundVolumeAsync("from-snap");
        Assert.Equal($"snap://{source}/snapshot-{uid}", (string?)(await api.GetAsync($"/api/volumes/{restored}"))["dataSource"]);
        var expected = new byte[16 * MiB];
        atSnapshot.CopyTo(expected, 2 * MiB);
        Assert.Equal(expected, await api.ReadAsync(restored, 0, 16 * MiB));

        // Deleting the VolumeSnapshot (Delete) removes the in-cluster snapshot; the clone keeps its bytes.
        await _kubectl.OkAsync("-n", "default", "delete", "vs", "in-cluster");
        await Api.EventuallyAsync(async () => !(await api.ListAsync($"/api/volumes/{source}/snapshots")).Any(s => (string?)s["name"] == "snapshot-" + uid),
            "the snapshot to be deleted with its VolumeSnapshot");
        Assert.Equal(expected, await api.ReadAsync(restored, 0, 16 * MiB));
    }

    [ToolFact]
    public async Task A_claim_whose_data_source_is_another_claim_clones_it_and_a_size_that_differs_is_refused()
    {
        var api = _host.Api;
        await CreateAsync(Claim("origin", "8Mi"));
        var source = await BoundVolumeAsync("origin");
        var original = Api.Pattern(8 * MiB, seed: 51);
        await api.WriteAsync(source, 0, original);
        const string FromOrigin = """
              dataSource:
                name: origin
                kind: PersistentVolumeClaim
            """;
        await CreateAsync(Claim("copy", "8Mi", FromOrigin));
        var copy = await BoundVolumeAsync("copy");
        Assert.Equal(original, await api.ReadAsync(copy, 0, 8 * MiB));
        // Two volumes from then on: a write to the source does not reach the clone.
        await api.WriteAsync(source, 0, Api.Pattern(MiB, seed: 52));
        Assert.Equal(original, await api.ReadAsync(copy, 0, 8 * MiB));

        await CreateAsync(Claim("bigger", "16Mi", FromOrigin));
        await Api.EventuallyAsync(async () => (await _kubectl.OkAsync("-n", "default", "describe", "pvc", "bigger"))
            .Contains("a clone must be the same size as its source", StringComparison.Ordinal), "the size mismatch event");
        Assert.Equal("Pending", await _kubectl.OkAsync("-n", "default", "get", "pvc", "bigger", "-o", "jsonpath={.status.phase}"));
        Assert.Equal(2, (await api.ListAsync("/api/volumes")).Count);
    }

    [ToolFact]
    public async Task Delete_removes_the_backup_from_the_store_and_retain_keeps_it()
    {
        var api = _host.Api;
        await api.WaitForSyncAsync();
        await CreateAsync(Claim("test-vol", "4Mi"));
        var source = await BoundVolumeAsync("test-vol");
        await api.WriteAsync(source, 0, Api.Pattern(MiB, seed: 61));
        async Task<string> SnapshotWithAsync(string policy)
        {
            await CreateAsync($$"""
                kind: VolumeSnapshotClass
                apiVersion: snapshot.storage.k8s.io/v1
                metadata:
                  name: bak-{{policy.ToLowerInvariant()}}
                driver: driver.longhorn.io
                deletionPolicy: {{policy}}
                parameters:
                  type: bak
                ---
                apiVersion: snapshot.storage.k8s.io/v1
                kind: VolumeSnapshot
                metadata:
                  name: vs-{{policy.ToLowerInvariant()}}
                spec:
                  volumeSnapshotClassName: bak-{{policy.ToLowerInvariant()}}
                  source:
                    persistentVolumeClaimName: test-vol
                """);
            var name = "vs-" + policy.ToLowerInvariant();
            await Api.EventuallyAsync(async () => await _kubectl.OkAsync("-n", "default", "get", "vs", name, "-o", "jsonpath={.status.readyToUse}") == "true",
                $"VolumeSnapshot {name} to be ready");
            var content = await _kubectl.OkAsync("-n", "default", "get", "vs", name, "-o", "jsonpath={.status.boundVolumeSnapshotContentName}");
            return (await _kubectl.OkAsync("get", "vsc", content, "-o", "jsonpath={.status.snapshotHandle}")).Split('/')[^1];
        }
        var deleted = await SnapshotWithAsync("Delete");
        var retained = await SnapshotWithAsync("Retain");
        bool InStore(string backup) => Directory.EnumerateFiles(_host.MountRoot, $"backup_{backup}.cfg", SearchOption.AllDirectories).Any();
        Assert.True(InStore(deleted) && InStore(retained));

        await _kubectl.OkAsync("-n", "default", "delete", "vs", "vs-delete", "vs-retain");
        await Api.EventuallyAsync(() => Task.FromResult(!InStore(deleted)), "the Delete backup's cfg to leave the store");
        Assert.True(InStore(retained), "the Retain backup stays in the store");
        await Api.EventuallyAsync(async () =>
        {
            using var response = await api.Client.GetAsync($"/api/backups/{deleted}");
            return response.StatusCode == HttpStatusCode.NotFound;
        }, "the Delete backup to leave the cluster");
        Assert.Equal("Completed", (string?)(await api.GetAsync($"/api/backups/{retained}"))["state"]);
    }
}
