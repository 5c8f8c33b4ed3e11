using Longhorn.Functions.Hosting;

// Started by an Azure Functions host (func start, or in Azure): run as its isolated worker. Otherwise serve the same
// functions from functions.metadata in the embedded host, so `dotnet run` needs nothing else installed.
if (FunctionsWorkerLaunch.IsWorker(args, Environment.GetEnvironmentVariable))
{
    await WorkerHost.Build(args).RunAsync();
}
else
{
    await EmbeddedHost.Build(args).RunAsync();
}

/// <summary>The host's entry point, visible to in-process tests.</summary>
public partial class Program;
