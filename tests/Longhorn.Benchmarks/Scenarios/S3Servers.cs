using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Longhorn.Simulator.S3;

namespace Longhorn.Benchmarks.Scenarios;

/// <summary>An S3 server for scenario 6: its endpoint, keys and bucket, and how to stop it.</summary>
public sealed class S3Server : IAsyncDisposable
{
    private readonly Func<ValueTask> _stop;

    private S3Server(string name, Uri endpoint, string accessKey, string secretKey, string bucket, Func<ValueTask> stop,
        Func<long>? requests = null)
    {
        Requests = requests;
        Name = name;
        Endpoint = endpoint;
        AccessKey = accessKey;
        SecretKey = secretKey;
        Bucket = bucket;
        _stop = stop;
    }

    public string Name { get; }
    public Uri Endpoint { get; }
    public string AccessKey { get; }
    public string SecretKey { get; }
    public string Bucket { get; }

    /// <summary>The server's count of S3 requests received so far, where it keeps one (the emulator; moto does not).</summary>
    public Func<long>? Requests { get; }

    /// <summary>The variables the engine's S3 driver (via the child) and the aws CLI both read.</summary>
    public IReadOnlyDictionary<string, string> Environment => new Dictionary<string, string>
    {
        ["AWS_ACCESS_KEY_ID"] = AccessKey,
        ["AWS_SECRET_ACCESS_KEY"] = SecretKey,
        ["AWS_ENDPOINTS"] = Endpoint.ToString(),
        ["AWS_DEFAULT_REGION"] = "us-east-1",
    };

    /// <summary>The simulator's MinIO emulator, in this process, persisting to <paramref name="dataDirectory"/>.</summary>
    public static async Task<S3Server> StartEmulatorAsync(string dataDirectory)
    {
        var emulator = new S3Emulator(new S3EmulatorOptions { DataDirectory = dataDirectory });
        await emulator.StartAsync();
        return new S3Server("MinIO emulator", emulator.Url, S3EmulatorOptions.DefaultAccessKey, S3EmulatorOptions.DefaultSecretKey,
            S3EmulatorOptions.DefaultBucket, () => emulator.DisposeAsync(), () => emulator.Requests);
    }

    /// <summary>moto_server on a free loopback port, with a bucket made through the aws CLI.</summary>
    public static async Task<S3Server> StartMotoAsync()
    {
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        var process = Process.Start(new ProcessStartInfo("moto_server", $"-H 127.0.0.1 -p {port}")
        {
            RedirectStandardOutput = true, RedirectStandardError = true,
        })!;
        process.OutputDataReceived += (_, _) => { };
        process.ErrorDataReceived += (_, _) => { };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        var server = new S3Server("moto_server", new Uri($"http://127.0.0.1:{port}"), "bench", "bench-secret", "backupbucket", () =>
        {
            process.Kill(entireProcessTree: true);
            process.Dispose();
            return ValueTask.CompletedTask;
        });
        using var http = new HttpClient();
        for (var i = 0; i < 100; i++)
        {
            try
            {
                await http.GetAsync(server.Endpoint);
                break;
            }
            catch (HttpRequestException)
            {
                await Task.Delay(100);
            }
        }
        await Measurement.RunCommandAsync(Path.GetTempPath(), server.Environment, "aws", "--endpoint-url", server.Endpoint.ToString(),
            "s3", "mb", $"s3://{server.Bucket}");
        return server;
    }

    public ValueTask DisposeAsync() => _stop();
}
