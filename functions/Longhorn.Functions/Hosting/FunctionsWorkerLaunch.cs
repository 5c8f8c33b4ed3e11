namespace Longhorn.Functions.Hosting;

/// <summary>
/// Whether an Azure Functions host started this process as its language worker: the host passes the gRPC endpoint and
/// the worker's ids on the command line (<c>--functions-uri</c>, <c>--functions-worker-id</c>; older hosts
/// <c>--host</c>/<c>--port</c>/<c>--workerId</c>), or sets <c>Functions__Worker__HostEndpoint</c>.
/// </summary>
public static class FunctionsWorkerLaunch
{
    public static bool IsWorker(IReadOnlyList<string> args, Func<string, string?> environment) =>
        args.Any(a => a is "--functions-uri" or "--functions-worker-id" or "--workerId")
        || !string.IsNullOrEmpty(environment("Functions__Worker__HostEndpoint"))
        || !string.IsNullOrEmpty(environment("AZURE_FUNCTIONS_Functions__Worker__HostEndpoint"));
}
