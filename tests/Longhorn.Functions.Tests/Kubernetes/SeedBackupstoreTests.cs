using System.Security.Cryptography.X509Certificates;
using System.Text;
using Longhorn.Functions.Tests.Support;
using Longhorn.Engine.Store.S3;
using Longhorn.Simulator.S3;

namespace Longhorn.Functions.Tests.Kubernetes;

/// <summary>
/// Seed 002's "Setup a local testing backupstore" as written: <c>kubectl create -f</c> of Longhorn's MinIO backupstore
/// manifest, then the backup target set to <c>s3://backupbucket@us-east-1/</c> with secret <c>minio-secret</c>; the Backup
/// list is empty without error. The MinIO the Deployment would run is the S3 emulator serving the manifest's own certificate.
/// </summary>
[RequiresTool("kubectl")]
public sealed class SeedBackupstoreTests : IAsyncLifetime
{
    private const int MiB = 1024 * 1024;
    private readonly FunctionHost _host = new();
    private readonly string _s3Data = Directory.CreateTempSubdirectory("lh-seed-minio-").FullName;
    private readonly Kubectl _kubectl;
    private S3Emulator? _minio;

    public SeedBackupstoreTests() => _kubectl = Kubectl.For(_host);

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        if (_minio is not null) await _minio.DisposeAsync();
        _host.Dispose();
        FunctionHost.TryDelete(_s3Data);
    }

    [ToolFact]
    public async Task The_seeds_minio_backupstore_manifest_becomes_the_backup_target_and_backups_land_in_its_bucket()
    {
        var created = await _kubectl.OkAsync("create", "-f", Kubectl.ManifestPath("minio-backupstore.yaml"));
        Assert.Equal(
            ["secret/minio-secret created", "secret/minio-secret created", "deployment.apps/longhorn-test-minio created", "service/minio-service created"],
            created.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        var deployments = await _kubectl.OkAsync("-n", "default", "get", "deployments");
        Assert.True(System.Text.RegularExpressions.Regex.IsMatch(deployments, "(?m)^longhorn-test-minio "), deployments);
        Assert.Matches("(?m)^minio-service +ClusterIP ", await _kubectl.OkAsync("-n", "default", "get", "services"));

        // The Deployment's MinIO: the certificate and key the manifest mounts into it, read back through the API.
        string Decoded(string base64) => Encoding.UTF8.GetString(Convert.FromBase64String(base64));
        var cert = Decoded(await _kubectl.OkAsync("-n", "default", "get", "secret", "minio-secret", "-o", "jsonpath={.data.AWS_CERT}"));
        var key = Decoded(await _kubectl.OkAsync("-n", "default", "get", "secret", "minio-secret", "-o", "jsonpath={.data.AWS_CERT_KEY}"));
        using var certificate = X509Certificate2.CreateFromPem(cert, key);
        _minio = new S3Emulator(new S3EmulatorOptions { DataDirectory = _s3Data, Certificate = X509CertificateLoader.LoadPkcs12(certificate.Export(X509ContentType.Pkcs12), null) });
        await _minio.StartAsync();

        // minio-service.default resolves only inside a cluster: point the secret's endpoint at where MinIO listens here.
        await _kubectl.OkAsync("-n", "longhorn-system", "patch", "secret", "minio-secret", "--type", "merge",
            "-p", $$$"""{"stringData":{"AWS_ENDPOINTS":"https://localhost:{{{_minio.Url.Port}}}"}}""");
        // A target URL Longhorn does not take is refused by the same rules as PUT /api/backuptargets/default.
        Assert.Contains("admission webhook \"validator.longhorn.io\" denied the request", await _kubectl.FailsAsync("-n", "longhorn-system", "patch",
            "backuptarget", "default", "--type", "merge", "-p", """{"spec":{"backupTargetURL":"ftp://backupbucket/"}}"""));
        // Settings/General/BackupTarget and BackupTargetSecret, which Longhorn keeps on the default BackupTarget.
        await _kubectl.OkAsync("-n", "longhorn-system", "patch", "backuptarget", "default", "--type", "merge",
            "-p", """{"spec":{"backupTargetURL":"s3://backupbucket@us-east-1/","credentialSecret":"minio-secret"}}""");
        await Api.EventuallyAsync(async () =>
            (await _kubectl.OkAsync("-n", "longhorn-system", "get", "backuptarget", "default", "-o", "jsonpath={.status.available}")) == "true",
            "the MinIO backup target to be available");
        var target = await _kubectl.OkAsync("-n", "longhorn-system", "get", "backuptargets");
        Assert.Matches(@"(?m)^default +s3://backupbucket@us-east-1/ +minio-secret +5m0s +true ", target);
        // "Click the Backup tab in the UI, it should report an empty list without error out."
        var (exit, output, error) = await _kubectl.RunAsync("-n", "longhorn-system", "get", "backupvolumes");
        Assert.Equal(0, exit);
        Assert.Equal("", output);
        Assert.Equal("No resources found in longhorn-system namespace.", error.Trim());

        var api = _host.Api;
        await api.CreateVolumeAsync(new { name = "vol1", size = 8L * MiB });
        await api.WriteAsync("vol1", 0, Api.Pattern(2 * MiB, seed: 9));
        var backup = await api.BackupAsync("vol1");
        Assert.StartsWith("s3://backupbucket@us-east-1/?backup=", (string)backup["url"]!);
        // In the bucket with Longhorn's keys, read with the secret the target uses (its endpoint and the seed's AWS_CERT).
        var store = (Longhorn.Functions.Resources.IResourceStore)_host.Services.GetService(typeof(Longhorn.Functions.Resources.IResourceStore))!;
        var secret = await store.GetAsync<Longhorn.Functions.Resources.Secret>("minio-secret", CancellationToken.None);
        var driver = new Longhorn.Engine.Store.BackupStoreDrivers().AddS3().Create("s3://backupbucket@us-east-1/", secret!.Data);
        Assert.True(await driver.FileExistsAsync($"backupstore/volumes/01/9c/vol1/backups/backup_{backup["name"]}.cfg", CancellationToken.None));
    }
}
