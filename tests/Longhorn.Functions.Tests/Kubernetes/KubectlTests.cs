using System.Net;
using System.Text.Json.Nodes;
using Longhorn.Functions.Tests.Support;

namespace Longhorn.Functions.Tests.Kubernetes;

/// <summary>The real kubectl against the in-process host: the seeds' manifests and commands verbatim, and the API server's answers.</summary>
[RequiresTool("kubectl")]
public sealed class KubectlTests : IDisposable
{
    private const int MiB = 1024 * 1024;
    private readonly FunctionHost _host = new();
    private readonly Kubectl _kubectl;

    public KubectlTests() => _kubectl = Kubectl.For(_host);

    public void Dispose() => _host.Dispose();

    [ToolFact]
    public async Task Discovery_lists_longhorns_kinds_with_their_short_names()
    {
        var output = await _kubectl.OkAsync("api-resources");
        foreach (var (plural, shortName) in new[] { ("backups", "lhb"), ("backupvolumes", "lhbv"), ("backuptargets", "lhbt"), ("systembackups", "lhsb"),
                     ("systemrestores", "lhsr"), ("recurringjobs", "lhrj"), ("snapshots", "lhsnap"), ("volumes", "lhv") })
            Assert.Matches($"(?m)^{plural} +{shortName} +longhorn.io/v1beta2 +true ", output);
        Assert.Matches("(?m)^volumesnapshots +vs +snapshot.storage.k8s.io/v1 +true +VolumeSnapshot", output);
        Assert.Matches("(?m)^storageclasses +sc +storage.k8s.io/v1 +false +StorageClass", output);
    }

    [ToolFact]
    public async Task The_seeds_system_backup_is_created_listed_with_longhorns_columns_and_deleted()
    {
        await _host.Api.WaitForSyncAsync();
        Assert.Equal("systembackup.longhorn.io/demo created", (await _kubectl.OkAsync("create", "-f", Kubectl.ManifestPath("systembackup-demo.yaml"))).Trim());
        await _host.Api.WaitAsync("/api/systembackups/demo", b => (string?)b["state"] is "Ready" or "Error", "the system backup to finish",
            b => Assert.Equal("Ready", (string?)b["state"]));
        var listing = (await _kubectl.OkAsync("-n", "longhorn-system", "get", "systembackup")).Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Matches("^NAME +VERSION +STATE +CREATED$", listing[0]);
        Assert.Matches("^demo +v[0-9.]+ +Ready +[0-9]{4}-[0-9]{2}-[0-9]{2}T", listing[1]);
        Assert.Equal("if-not-present", await _kubectl.OkAsync("-n", "longhorn-system", "get", "lhsb", "demo", "-o", "jsonpath={.spec.volumeBackupPolicy}"));
        Assert.Equal("systembackup.longhorn.io \"demo\" deleted", (await _kubectl.OkAsync("-n", "longhorn-system", "delete", "systembackup/demo")).Trim());
        Assert.Contains("No resources found in longhorn-system namespace.", (await _kubectl.RunAsync("-n", "longhorn-system", "get", "systembackup")).Err);
    }

    [ToolFact]
    public async Task A_recurring_job_created_with_kubectl_is_the_one_the_http_functions_show()
    {
        var (exit, output, error) = await _kubectl.RunWithInputAsync("""
            apiVersion: longhorn.io/v1beta2
            kind: RecurringJob
            metadata:
              name: nightly
              namespace: longhorn-system
            spec:
              task: backup
              cron: '0 2 * * *'
              retain: 3
              groups:
              - default
            """, "create", "-f", "-");
        Assert.True(exit == 0, error);
        Assert.Equal("recurringjob.longhorn.io/nightly created", output.Trim());
        var job = await _host.Api.GetAsync("/api/recurringjobs/nightly");
        Assert.Equal("backup", (string?)job["task"]);
        Assert.Equal("0 2 * * *", (string?)job["cron"]);
        Assert.Equal(3, (int?)job["retain"]);
        Assert.Equal("nightly", await _kubectl.OkAsync("get", "lhrj", "nightly", "-o", "jsonpath={.spec.name}"));
        var listing = await _kubectl.OkAsync("get", "recurringjobs");
        Assert.Matches("(?m)^NAME +GROUPS +TASK +CRON +RETAIN +CONCURRENCY +AGE +LABELS$", listing);
        Assert.Matches("(?m)^nightly +default +backup +0 2 \\* \\* \\* +3 +10 ", listing);

        Assert.Equal("recurringjob.longhorn.io \"nightly\" deleted", (await _kubectl.OkAsync("delete", "recurringjob", "nightly")).Trim());
        await _host.Api.SendAsync(HttpMethod.Get, "/api/recurringjobs/nightly", expect: HttpStatusCode.NotFound);
    }

    [ToolFact]
    public async Task The_seeds_recurring_system_backup_job_is_the_one_the_http_functions_show()
    {
        Assert.Equal("recurringjob.longhorn.io/demo created", (await _kubectl.OkAsync("create", "-f", Kubectl.ManifestPath("recurringjob-system-backup.yaml"))).Trim());
        var job = await _host.Api.GetAsync("/api/recurringjobs/demo");
        Assert.Equal("system-backup", (string?)job["task"]);
        Assert.Equal("* * * * *", (string?)job["cron"]);
        Assert.Equal("if-not-present", (string?)job["parameters"]!["volume-backup-policy"]);
    }

    [ToolFact]
    public async Task A_job_the_http_functions_refuse_is_refused_by_kubectl_as_longhorns_webhook_does()
    {
        var (exit, _, stderr) = await _kubectl.RunWithInputAsync("""
            apiVersion: longhorn.io/v1beta2
            kind: RecurringJob
            metadata:
              name: badcron
            spec:
              task: backup
              cron: "61 * * * *"
              retain: 1
            """, "create", "-f", "-");
        Assert.NotEqual(0, exit);
        Assert.Contains("admission webhook \"validator.longhorn.io\" denied the request", stderr);
        Assert.Contains("No resources found", (await _kubectl.RunAsync("get", "recurringjobs")).Err);
    }

    [ToolFact]
    public async Task The_seeds_minio_secret_keeps_base64_data_and_the_control_plane_reads_it_decoded()
    {
        Assert.Equal("secret/minio-secret created", (await _kubectl.OkAsync("create", "-f", Kubectl.ManifestPath("minio-secret.yaml"))).Trim());
        Assert.Equal("bG9uZ2hvcm4tdGVzdC1hY2Nlc3Mta2V5", await _kubectl.OkAsync("-n", "longhorn-system", "get", "secret", "minio-secret", "-o", "jsonpath={.data.AWS_ACCESS_KEY_ID}"));
        var store = (Longhorn.Functions.Resources.IResourceStore)_host.Services.GetService(typeof(Longhorn.Functions.Resources.IResourceStore))!;
        var secret = await store.GetAsync<Longhorn.Functions.Resources.Secret>("minio-secret", CancellationToken.None);
        Assert.Equal("longhorn-test-access-key", secret!.Data["AWS_ACCESS_KEY_ID"]);
        Assert.Equal("http://minio-service.default:9000", secret.Data["AWS_ENDPOINTS"]);

        // stringData is merged into data as base64, as the API server does.
        var (exit, _, error) = await _kubectl.RunWithInputAsync("""
            apiVersion: v1
            kind: Secret
            metadata:
              name: plain
              namespace: longhorn-system
            stringData:
              AWS_ACCESS_KEY_ID: abc
            """, "create", "-f", "-");
        Assert.True(exit == 0, error);
        Assert.Equal("YWJj", await _kubectl.OkAsync("-n", "longhorn-system", "get", "secret", "plain", "-o", "jsonpath={.data.AWS_ACCESS_KEY_ID}"));
        Assert.Equal("abc", (await store.GetAsync<Longhorn.Functions.Resources.Secret>("plain", CancellationToken.None))!.Data["AWS_ACCESS_KEY_ID"]);
    }

    [ToolFact]
    public async Task Kubectls_imperative_creates_send_protobuf_and_are_stored_as_the_api_server_would()
    {
        // What seed 002 sends users to the Kubernetes documentation for: the secret from literals (kubectl encodes it as protobuf).
        Assert.Equal("secret/minio-secret created", (await _kubectl.OkAsync("-n", "longhorn-system", "create", "secret", "generic", "minio-secret",
            "--from-literal=AWS_ACCESS_KEY_ID=longhorn-test-access-key", "--from-literal=AWS_SECRET_ACCESS_KEY=longhorn-test-secret-key",
            "--from-literal=AWS_ENDPOINTS=http://minio-service.default:9000")).Trim());
        Assert.Equal("bG9uZ2hvcm4tdGVzdC1hY2Nlc3Mta2V5", await _kubectl.OkAsync("-n", "longhorn-system", "get", "secret", "minio-secret", "-o", "jsonpath={.data.AWS_ACCESS_KEY_ID}"));
        Assert.Equal("Opaque", await _kubectl.OkAsync("-n", "longhorn-system", "get", "secret", "minio-secret", "-o", "jsonpath={.type}"));
        var store = (Longhorn.Functions.Resources.IResourceStore)_host.Services.GetService(typeof(Longhorn.Functions.Resources.IResourceStore))!;
        Assert.Equal("http://minio-service.default:9000", (await store.GetAsync<Longhorn.Functions.Resources.Secret>("minio-secret", CancellationToken.None))!.Data["AWS_ENDPOINTS"]);

        Assert.Equal("configmap/settings created", (await _kubectl.OkAsync("-n", "default", "create", "configmap", "settings", "--from-literal=mode=fast")).Trim());
        Assert.Equal("fast", await _kubectl.OkAsync("-n", "default", "get", "configmap", "settings", "-o", "jsonpath={.data.mode}"));
        Assert.Equal("namespace/team-a created", (await _kubectl.OkAsync("create", "namespace", "team-a")).Trim());
        Assert.Equal("serviceaccount/robot created", (await _kubectl.OkAsync("-n", "team-a", "create", "serviceaccount", "robot")).Trim());
        Assert.Contains("AlreadyExists", await _kubectl.FailsAsync("create", "namespace", "team-a"));
    }

    [ToolFact]
    public async Task A_backup_created_with_kubectl_is_taken_and_get_w_prints_its_states_up_to_completed()
    {
        var api = _host.Api;
        await api.WaitForSyncAsync();
        await api.CreateVolumeAsync(new { name = "vol1", size = 16L * MiB });
        await api.WriteAsync("vol1", 0, Api.Pattern(4 * MiB, seed: 3));
        var snapshot = await api.PostAsync("/api/volumes/vol1/snapshots", new { });
        // A first backup, so that get -w prints its list (and so has started watching) before the second is made.
        var first = await api.BackupAsync("vol1");
        var lines = new List<string>();
        using var watch = _kubectl.Start(lines, "-n", "longhorn-system", "get", "backups", "-w");
        await Api.EventuallyAsync(() => { lock (lines) return Task.FromResult(lines.Any(l => l.StartsWith((string)first["name"]!, StringComparison.Ordinal)) || watch.HasExited); },
            "kubectl get -w to list the first backup");

        var (exit, output, error) = await _kubectl.RunWithInputAsync($$"""
            apiVersion: longhorn.io/v1beta2
            kind: Backup
            metadata:
              name: kubectl-backup
            spec:
              snapshotName: {{(string)snapshot["name"]!}}
            """, "-n", "longhorn-system", "create", "-f", "-");
        Assert.True(exit == 0, error);
        Assert.Equal("backup.longhorn.io/kubectl-backup created", output.Trim());
        await api.WaitAsync("/api/backups/kubectl-backup", b => (string?)b["state"] == "Completed", "the kubectl backup to complete");
        await Api.EventuallyAsync(() => { lock (lines) return Task.FromResult(lines.Any(l => l.StartsWith("kubectl-backup", StringComparison.Ordinal) && l.Contains("Completed", StringComparison.Ordinal))); },
            "get -w to print Completed");
        watch.Kill();
        List<string> rows;
        lock (lines) rows = lines.Where(l => l.StartsWith("kubectl-backup", StringComparison.Ordinal)).ToList();
        var states = rows.Select(r => r.Split(' ', StringSplitOptions.RemoveEmptyEntries)).Select(c => c.FirstOrDefault(x => x is "Pending" or "InProgress" or "Completed")).Where(s => s is not null).ToList();
        Assert.Equal("Pending", states.First());
        Assert.Equal("Completed", states.Last());
        Assert.Matches("^NAME +SNAPSHOTNAME +SNAPSHOTSIZE +SNAPSHOTCREATEDAT +BACKUPTARGET +STATE +LASTSYNCEDAT$", lines[0]);
    }

    [ToolFact]
    public async Task Bad_input_gets_the_api_servers_status_and_creates_nothing()
    {
        var unknownField = await _kubectl.RunWithInputAsync("""
            apiVersion: longhorn.io/v1beta2
            kind: SystemBackup
            metadata:
              name: demo2
            spec:
              volumeBackupPolicy: if-not-present
              foo: bar
            """, "create", "-f", "-");
        Assert.Contains("Error from server (BadRequest): error when creating \"STDIN\": SystemBackup in version \"v1beta2\" cannot be handled as a SystemBackup: strict decoding error: unknown field \"spec.foo\"", unknownField.Err);

        var badName = await _kubectl.RunWithInputAsync("""
            apiVersion: longhorn.io/v1beta2
            kind: SystemBackup
            metadata:
              name: Bad_Name
            spec:
              volumeBackupPolicy: always
            """, "create", "-f", "-");
        Assert.Contains("The SystemBackup \"Bad_Name\" is invalid: metadata.name: Invalid value: \"Bad_Name\": a lowercase RFC 1123 subdomain", badName.Err);

        var badEnum = await _kubectl.RunWithInputAsync("""
            apiVersion: longhorn.io/v1beta2
            kind: SystemBackup
            metadata:
              name: demo3
            spec:
              volumeBackupPolicy: sometimes
            """, "create", "-f", "-");
        Assert.Contains("spec.volumeBackupPolicy: Unsupported value: \"sometimes\": supported values: \"if-not-present\", \"always\", \"disabled\"", badEnum.Err);

        var wrongKind = await _kubectl.RunWithInputAsync("""
            apiVersion: longhorn.io/v1beta2
            kind: SystemBackupp
            metadata:
              name: demo4
            """, "create", "-f", "-");
        Assert.Contains("no matches for kind \"SystemBackupp\" in version \"longhorn.io/v1beta2\"", wrongKind.Err);

        Assert.Contains("No resources found", (await _kubectl.RunAsync("get", "systembackups")).Err);
    }

    [ToolFact]
    public async Task A_stale_resource_version_is_a_conflict_and_label_annotate_patch_and_apply_work()
    {
        await _kubectl.OkAsync("create", "-f", Kubectl.ManifestPath("systembackup-demo.yaml"));
        var stale = await _kubectl.OkAsync("get", "lhsb", "demo", "-o", "json");
        Assert.Equal("systembackup.longhorn.io/demo labeled", (await _kubectl.OkAsync("label", "lhsb", "demo", "team=storage")).Trim());
        Assert.Equal("systembackup.longhorn.io/demo annotated", (await _kubectl.OkAsync("annotate", "lhsb", "demo", "note=kept")).Trim());
        Assert.Equal("storage", await _kubectl.OkAsync("get", "lhsb", "demo", "-o", "jsonpath={.metadata.labels.team}"));

        var (exit, _, error) = await _kubectl.RunWithInputAsync(stale, "replace", "-f", "-");
        Assert.NotEqual(0, exit);
        Assert.Contains("Operation cannot be fulfilled on systembackups.longhorn.io \"demo\": the object has been modified; please apply your changes to the latest version and try again", error);

        Assert.Equal("systembackup.longhorn.io/demo patched", (await _kubectl.OkAsync("patch", "lhsb", "demo", "--type", "merge", "-p", "{\"spec\":{\"volumeBackupPolicy\":\"always\"}}")).Trim());
        Assert.Equal("always", await _kubectl.OkAsync("get", "lhsb", "demo", "-o", "jsonpath={.spec.volumeBackupPolicy}"));
        await _kubectl.OkAsync("patch", "lhsb", "demo", "--type", "json", "-p", "[{\"op\":\"replace\",\"path\":\"/spec/volumeBackupPolicy\",\"value\":\"disabled\"}]");
        Assert.Equal("disabled", await _kubectl.OkAsync("get", "lhsb", "demo", "-o", "jsonpath={.spec.volumeBackupPolicy}"));

        // A Longhorn install already has its "longhorn" class, so the seed's manifest configures it.
        Assert.Equal("storageclass.storage.k8s.io/longhorn configured", (await _kubectl.OkAsync("apply", "-f", Kubectl.ManifestPath("storageclass-recurring-jobs.yaml"))).Trim());
        Assert.Contains("\"task\":\"backup\"", await _kubectl.OkAsync("get", "sc", "longhorn", "-o", "jsonpath={.parameters.recurringJobs}"));
        Assert.Equal("storageclass.storage.k8s.io/longhorn unchanged", (await _kubectl.OkAsync("apply", "-f", Kubectl.ManifestPath("storageclass-recurring-jobs.yaml"))).Trim());
        var listing = await _kubectl.OkAsync("get", "sc");
        Assert.Matches("(?m)^longhorn +driver.longhorn.io ", listing);
    }

    [ToolFact]
    public async Task Requests_without_the_token_get_401_with_a_status_and_kubectl_says_unauthorized()
    {
        var kubeconfig = await File.ReadAllTextAsync(_kubectl.Kubeconfig);
        var server = System.Text.RegularExpressions.Regex.Match(kubeconfig, "server: (\\S+)").Groups[1].Value;
        using var handler = new HttpClientHandler { ServerCertificateCustomValidationCallback = HttpClientHandler.DangerousAcceptAnyServerCertificateValidator };
        using var client = new HttpClient(handler);
        using var response = await client.GetAsync(server + "/api/v1/namespaces/longhorn-system/secrets");
        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        var status = JsonNode.Parse(await response.Content.ReadAsStringAsync())!;
        Assert.Equal("Status", (string?)status["kind"]);
        Assert.Equal("Unauthorized", (string?)status["reason"]);
        Assert.Equal(401, (int?)status["code"]);

        var wrong = Path.Combine(Path.GetDirectoryName(_kubectl.Kubeconfig)!, "wrong-kubeconfig");
        await File.WriteAllTextAsync(wrong, System.Text.RegularExpressions.Regex.Replace(kubeconfig, "token: \\S+", "token: not-the-token"));
        var (exit, _, error) = await new Kubectl(wrong).RunAsync("get", "secrets");
        Assert.NotEqual(0, exit);
        Assert.Contains("You must be logged in to the server", error);
    }
}
