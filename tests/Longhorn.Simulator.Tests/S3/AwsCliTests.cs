using System.Diagnostics;
using System.Security.Cryptography;
using System.Text.Json;
using Longhorn.Simulator.S3;

namespace Longhorn.Simulator.Tests.S3;

/// <summary>The real aws CLI, unchanged, against the in-process emulator: what works here works with a real client.</summary>
[RequiresTool("aws")]
public sealed class AwsCliTests : IAsyncLifetime
{
    private readonly TempDirectory _dir = new();
    private readonly S3Emulator _emulator;

    public AwsCliTests()
    {
        _emulator = new S3Emulator(new S3EmulatorOptions { DataDirectory = _dir.Combine("data") });
        // Only presigning needs it: the CLI signs everything else with SigV4 already, but presigns with SigV2 by default.
        File.WriteAllText(_dir.Combine("aws-config"), "[default]\ns3 =\n    signature_version = s3v4\n");
    }

    public Task InitializeAsync() => _emulator.StartAsync();

    public async Task DisposeAsync()
    {
        await _emulator.DisposeAsync();
        _dir.Dispose();
    }

    private Task<(int Exit, string Out, string Err)> Aws(string secret, params string[] args) => Aws(_emulator, secret, args);

    private async Task<(int Exit, string Out, string Err)> Aws(S3Emulator emulator, string secret, params string[] args)
    {
        var start = new ProcessStartInfo(ExternalTool.Require("aws")) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var arg in new[] { "--endpoint-url", emulator.Url.ToString().TrimEnd('/') }.Concat(args)) start.ArgumentList.Add(arg);
        start.Environment["AWS_ACCESS_KEY_ID"] = S3EmulatorOptions.DefaultAccessKey;
        start.Environment["AWS_SECRET_ACCESS_KEY"] = secret;
        start.Environment["AWS_DEFAULT_REGION"] = "us-east-1";
        start.Environment["AWS_CONFIG_FILE"] = _dir.Combine("aws-config");
        start.Environment["AWS_SHARED_CREDENTIALS_FILE"] = "/dev/null";
        start.Environment["AWS_EC2_METADATA_DISABLED"] = "true";
        start.Environment["AWS_PAGER"] = "";
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        await process.WaitForExitAsync(timeout.Token);
        return (process.ExitCode, await stdout, await stderr);
    }

    private Task<string> AwsOk(params string[] args) => AwsOk(_emulator, args);

    private async Task<string> AwsOk(S3Emulator emulator, params string[] args)
    {
        var (exit, output, error) = await Aws(emulator, S3EmulatorOptions.DefaultSecretKey, args);
        Assert.True(exit == 0, $"aws {string.Join(' ', args)} exited {exit}: {error}");
        return output;
    }

    [ToolFact]
    public async Task Mb_cp_both_ways_ls_and_rm_work_unchanged()
    {
        var local = _dir.Combine("hello.txt");
        await File.WriteAllTextAsync(local, "hello from the aws cli\n");
        Assert.Contains("make_bucket: clitest", await AwsOk("s3", "mb", "s3://clitest"));
        await AwsOk("s3", "cp", "--only-show-errors", local, "s3://clitest/dir/hello.txt");
        Assert.Contains("clitest", await AwsOk("s3", "ls"));
        Assert.Contains("hello.txt", await AwsOk("s3", "ls", "s3://clitest/dir/"));
        Assert.Contains("PRE dir/", await AwsOk("s3", "ls", "s3://clitest/"));
        await AwsOk("s3", "cp", "--only-show-errors", "s3://clitest/dir/hello.txt", _dir.Combine("back.txt"));
        Assert.Equal(await File.ReadAllTextAsync(local), await File.ReadAllTextAsync(_dir.Combine("back.txt")));
        await AwsOk("s3", "rm", "--only-show-errors", "s3://clitest/dir/hello.txt");
        Assert.DoesNotContain("hello.txt", await AwsOk("s3", "ls", "--recursive", "s3://clitest/"));
        await AwsOk("s3", "rb", "s3://clitest");
        Assert.DoesNotContain("clitest", await AwsOk("s3", "ls"));
    }

    [ToolFact]
    public async Task A_20_MiB_multipart_copy_round_trips_byte_exact()
    {
        var local = _dir.Combine("big.bin");
        var data = RandomNumberGenerator.GetBytes(20 * 1024 * 1024);
        await File.WriteAllBytesAsync(local, data);
        await AwsOk("s3", "cp", "--only-show-errors", local, "s3://backupbucket/big/big.bin");
        using var head = JsonDocument.Parse(await AwsOk("s3api", "head-object", "--bucket", "backupbucket", "--key", "big/big.bin"));
        Assert.Equal(data.Length, head.RootElement.GetProperty("ContentLength").GetInt64());
        Assert.Matches("^\"[0-9a-f]{32}-3\"$", head.RootElement.GetProperty("ETag").GetString()); // three 8 MiB-or-less parts
        await AwsOk("s3", "cp", "--only-show-errors", "s3://backupbucket/big/big.bin", _dir.Combine("big.back"));
        Assert.Equal(SHA256.HashData(data), SHA256.HashData(await File.ReadAllBytesAsync(_dir.Combine("big.back"))));
    }

    [ToolFact]
    public async Task List_objects_v2_with_page_size_2_pages_through_every_key_in_order()
    {
        var folder = Directory.CreateDirectory(_dir.Combine("many")).FullName;
        var names = new[] { "a.txt", "b.txt", "c/d.txt", "e.txt", "f.txt" };
        foreach (var name in names)
        {
            Directory.CreateDirectory(Path.GetDirectoryName(Path.Combine(folder, name))!);
            await File.WriteAllTextAsync(Path.Combine(folder, name), name);
        }
        await AwsOk("s3", "cp", "--only-show-errors", "--recursive", folder, "s3://backupbucket/pages/");

        static string[] Keys(string json) =>
            JsonDocument.Parse(json).RootElement.GetProperty("Contents").EnumerateArray().Select(c => c.GetProperty("Key").GetString()!).ToArray();
        var all = await AwsOk("s3api", "list-objects-v2", "--bucket", "backupbucket", "--prefix", "pages/", "--page-size", "2");
        Assert.Equal(names.Select(n => "pages/" + n), Keys(all));

        var first = await AwsOk("s3api", "list-objects-v2", "--bucket", "backupbucket", "--prefix", "pages/", "--page-size", "2", "--max-items", "3");
        Assert.Equal(names[..3].Select(n => "pages/" + n), Keys(first));
        var token = JsonDocument.Parse(first).RootElement.GetProperty("NextToken").GetString()!;
        var rest = await AwsOk("s3api", "list-objects-v2", "--bucket", "backupbucket", "--prefix", "pages/", "--page-size", "2", "--starting-token", token);
        Assert.Equal(names[3..].Select(n => "pages/" + n), Keys(rest));

        var delimited = JsonDocument.Parse(await AwsOk("s3api", "list-objects-v2", "--bucket", "backupbucket", "--prefix", "pages/", "--delimiter", "/")).RootElement;
        Assert.Equal(["pages/c/"], delimited.GetProperty("CommonPrefixes").EnumerateArray().Select(p => p.GetProperty("Prefix").GetString()));
    }

    [ToolFact]
    public async Task A_wrong_secret_gets_SignatureDoesNotMatch()
    {
        var (exit, _, error) = await Aws("not-the-secret", "s3", "ls", "s3://backupbucket");
        Assert.NotEqual(0, exit);
        Assert.Contains("SignatureDoesNotMatch", error);
    }

    [ToolFact]
    public async Task A_presigned_url_from_the_cli_downloads_the_object()
    {
        var local = _dir.Combine("p.txt");
        await File.WriteAllTextAsync(local, "presigned");
        await AwsOk("s3", "cp", "--only-show-errors", local, "s3://backupbucket/p.txt");
        var url = (await AwsOk("s3", "presign", "s3://backupbucket/p.txt", "--expires-in", "60")).Trim();
        using var http = new HttpClient();
        Assert.Equal("presigned", await http.GetStringAsync(url));
        using var tampered = await http.GetAsync(url.Replace("p.txt", "q.txt"));
        Assert.Equal(System.Net.HttpStatusCode.Forbidden, tampered.StatusCode);
    }

    [ToolFact]
    public async Task Over_https_the_cli_streams_aws_chunked_bodies_with_checksum_trailers_and_they_are_stored_intact()
    {
        using var ca = TestCertificates.CreateAuthority();
        using var certificate = TestCertificates.CreateServer(ca);
        await using var https = new S3Emulator(new S3EmulatorOptions { DataDirectory = _dir.Combine("tls"), Certificate = certificate });
        await https.StartAsync();
        var local = _dir.Combine("tls.bin");
        var data = RandomNumberGenerator.GetBytes(3 * 1024 * 1024 + 17);
        await File.WriteAllBytesAsync(local, data);
        // Over TLS botocore sends STREAMING-UNSIGNED-PAYLOAD-TRAILER with an x-amz-checksum-crc32 trailer.
        await AwsOk(https, "--no-verify-ssl", "s3", "cp", "--only-show-errors", local, "s3://backupbucket/tls.bin");
        await AwsOk(https, "--no-verify-ssl", "s3", "cp", "--only-show-errors", "s3://backupbucket/tls.bin", _dir.Combine("tls.back"));
        Assert.Equal(data, await File.ReadAllBytesAsync(_dir.Combine("tls.back")));

        // The same upload to a store that refuses aws-chunked fails: so the body above really was aws-chunked.
        await using var strict = new S3Emulator(new S3EmulatorOptions { DataDirectory = _dir.Combine("strict"), Certificate = certificate, RejectChunkedUploads = true });
        await strict.StartAsync();
        var (exit, _, error) = await Aws(strict, S3EmulatorOptions.DefaultSecretKey, "--no-verify-ssl", "s3", "cp", "--only-show-errors", local, "s3://backupbucket/tls.bin");
        Assert.NotEqual(0, exit);
        Assert.Contains("NotImplemented", error);
    }
}
