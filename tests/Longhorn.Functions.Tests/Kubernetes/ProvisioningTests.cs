using System.Net;
using Longhorn.Functions.Tests.Support;

namespace Longhorn.Functions.Tests.Kubernetes;

/// <summary>A PVC of a Longhorn StorageClass provisions a Longhorn volume (with the class's recurring jobs) and a bound PV, through kubectl.</summary>
[RequiresTool("kubectl")]
public sealed class ProvisioningTests : IDisposable
{
    private readonly FunctionHost _host = new();
    private readonly Kubectl _kubectl;

    public ProvisioningTests() => _kubectl = Kubectl.For(_host);

    public void Dispose() => _host.Dispose();

    [ToolFact]
    public async Task A_pvc_of_the_seeds_storage_class_gets_a_volume_with_its_recurring_jobs_and_a_bound_pv()
    {
        await _kubectl.OkAsync("apply", "-f", Kubectl.ManifestPath("storageclass-recurring-jobs.yaml"));
        Assert.Equal("persistentvolumeclaim/test-vol created", (await _kubectl.OkAsync("create", "-f", Kubectl.ManifestPath("pvc-longhorn.yaml"))).Trim());
        await Api.EventuallyAsync(async () => await _kubectl.OkAsync("-n", "default", "get", "pvc", "test-vol", "-o", "jsonpath={.status.phase}") == "Bound",
            "the claim to be bound");

        var uid = await _kubectl.OkAsync("-n", "default", "get", "pvc", "test-vol", "-o", "jsonpath={.metadata.uid}");
        var volumeName = "pvc-" + uid;
        Assert.Equal(volumeName, await _kubectl.OkAsync("-n", "default", "get", "pvc", "test-vol", "-o", "jsonpath={.spec.volumeName}"));
        // 21 MiB rounded up to Longhorn's 2 MiB granularity.
        Assert.Equal("22Mi", await _kubectl.OkAsync("-n", "default", "get", "pvc", "test-vol", "-o", "jsonpath={.status.capacity.storage}"));
        Assert.Equal("driver.longhorn.io", await _kubectl.OkAsync("get", "pv", volumeName, "-o", "jsonpath={.spec.csi.driver}"));
        Assert.Equal(volumeName, await _kubectl.OkAsync("get", "pv", volumeName, "-o", "jsonpath={.spec.csi.volumeHandle}"));
        Assert.Equal("test-vol", await _kubectl.OkAsync("get", "pv", volumeName, "-o", "jsonpath={.spec.claimRef.name}"));

        var volume = await _host.Api.GetAsync($"/api/volumes/{volumeName}");
        Assert.Equal(22L * 1024 * 1024, (long?)volume["size"]);
        Assert.Equal("longhorn", (string?)volume["storageClassName"]);
        var jobLabels = volume["labels"]!.AsObject().Select(l => l.Key).Where(k => k.StartsWith("recurring-job.longhorn.io/", StringComparison.Ordinal)).ToList();
        Assert.Equal(2, jobLabels.Count);
        var jobs = (await _host.Api.ListAsync("/api/recurringjobs")).Select(j => ((string?)j["task"], (string?)j["cron"], (int?)j["retain"])).ToList();
        Assert.Contains(("snapshot", "*/1 * * * *", 1), jobs);
        Assert.Contains(("backup", "*/2 * * * *", 1), jobs);

        var described = await _kubectl.OkAsync("-n", "default", "describe", "pvc", "test-vol");
        Assert.Contains("ProvisioningSucceeded", described);
        Assert.Contains($"Successfully provisioned volume {volumeName}", described);

        await _kubectl.OkAsync("-n", "default", "delete", "pvc", "test-vol");
        await Api.EventuallyAsync(async () => (await _kubectl.RunAsync("get", "pv", volumeName)).Exit != 0, "the PV to go with its claim");
        await Api.EventuallyAsync(async () =>
        {
            using var response = await _host.Api.Client.GetAsync($"/api/volumes/{volumeName}");
            return response.StatusCode == HttpStatusCode.NotFound;
        }, "the volume to go with its claim (reclaim policy Delete)");
    }

    [ToolFact]
    public async Task A_claim_that_is_not_longhorns_or_asks_a_bad_size_gets_an_event_and_no_volume()
    {
        var (exit, _, error) = await _kubectl.RunWithInputAsync("""
            apiVersion: storage.k8s.io/v1
            kind: StorageClass
            metadata:
              name: other
            provisioner: example.com/nfs
            ---
            apiVersion: v1
            kind: PersistentVolumeClaim
            metadata:
              name: elsewhere
              namespace: default
            spec:
              accessModes: [ReadWriteOnce]
              storageClassName: other
              resources:
                requests:
                  storage: 1Gi
            ---
            apiVersion: v1
            kind: PersistentVolumeClaim
            metadata:
              name: nonsense
              namespace: default
            spec:
              accessModes: [ReadWriteOnce]
              storageClassName: longhorn
              resources:
                requests:
                  storage: "0"
            """, "create", "-f", "-");
        Assert.True(exit == 0, error);
        var (badExit, _, badError) = await _kubectl.RunWithInputAsync("""
            apiVersion: v1
            kind: PersistentVolumeClaim
            metadata:
              name: lots
              namespace: default
            spec:
              accessModes: [ReadWriteOnce]
              storageClassName: longhorn
              resources:
                requests:
                  storage: lots
            """, "create", "-f", "-");
        Assert.NotEqual(0, badExit);
        Assert.Contains("quantities must match the regular expression", badError);
        await Api.EventuallyAsync(async () => (await _kubectl.OkAsync("-n", "default", "describe", "pvc", "elsewhere")).Contains("ExternalProvisioning", StringComparison.Ordinal),
            "an event on the claim that is not Longhorn's");
        await Api.EventuallyAsync(async () => (await _kubectl.OkAsync("-n", "default", "describe", "pvc", "nonsense")).Contains("is not a positive quantity", StringComparison.Ordinal),
            "an event on the claim with a bad size");
        Assert.Equal("Pending", await _kubectl.OkAsync("-n", "default", "get", "pvc", "elsewhere", "-o", "jsonpath={.status.phase}"));
        Assert.Empty(await _host.Api.ListAsync("/api/volumes"));
        Assert.Contains("No resources found", (await _kubectl.RunAsync("get", "pv")).Err);
    }
}
