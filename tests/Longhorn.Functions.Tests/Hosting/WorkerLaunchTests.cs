using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;
using Longhorn.Functions.Tests.Support;

namespace Longhorn.Functions.Tests.Hosting;

/// <summary>
/// The built program started the way the Azure Functions host starts a dotnet-isolated worker: it must take the Worker
/// path (dial the host's gRPC endpoint) and not serve the functions itself.
/// </summary>
public sealed class WorkerLaunchTests
{
    /// <summary>What every HTTP/2 client (gRPC included) sends first on a cleartext connection.</summary>
    private const string Http2Preface = "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n";

    [Fact]
    public async Task Started_with_the_functions_host_arguments_the_program_dials_the_host_over_grpc()
    {
        var dataDir = Directory.CreateTempSubdirectory("lh-worker-").FullName;
        using var functionsHost = new TcpListener(IPAddress.Loopback, 0);
        functionsHost.Start();
        var port = ((IPEndPoint)functionsHost.LocalEndpoint).Port.ToString(CultureInfo.InvariantCulture);
        var workerId = Guid.NewGuid().ToString();
        var requestId = Guid.NewGuid().ToString();
        try
        {
            // The arguments and environment of the Functions host's worker launch (both the old and the new argument names).
            using var worker = HostProcess.Start(
                [
                    "--host", "127.0.0.1", "--port", port, "--workerId", workerId, "--requestId", requestId, "--grpcMaxMessageLength", "2147483647",
                    "--functions-uri", $"http://127.0.0.1:{port}/", "--functions-worker-id", workerId, "--functions-request-id", requestId,
                    "--functions-grpc-max-message-length", "2147483647",
                ],
                new Dictionary<string, string>
                {
                    ["FUNCTIONS_WORKER_RUNTIME"] = "dotnet-isolated",
                    ["AZURE_FUNCTIONS_ENVIRONMENT"] = "Development",
                    ["AzureWebJobsScriptRoot"] = HostProcess.OutputDirectory(),
                    ["Longhorn__DataDir"] = dataDir,
                });
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
            using var connection = await functionsHost.AcceptTcpClientAsync(timeout.Token);
            var preface = new byte[Http2Preface.Length];
            await connection.GetStream().ReadExactlyAsync(preface, timeout.Token);
            Assert.Equal(Http2Preface, Encoding.ASCII.GetString(preface));
            Assert.DoesNotContain("Functions:", worker.Output, StringComparison.Ordinal);
        }
        finally
        {
            FunctionHost.TryDelete(dataDir);
        }
    }
}
