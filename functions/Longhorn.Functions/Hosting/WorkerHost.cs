using Longhorn.Functions.Http;
using Microsoft.Azure.Functions.Worker;
using Microsoft.Azure.Functions.Worker.Builder;

namespace Longhorn.Functions.Hosting;

/// <summary>
/// The program as an Azure Functions isolated worker (<c>func start</c>, or deployed): the Worker's builder with ASP.NET
/// Core integration; the Functions host owns routes, keys and timers, read from the same <c>functions.metadata</c>.
/// </summary>
public static class WorkerHost
{
    public static IHost Build(string[] args)
    {
        HostConfiguration.KeepConfigurationFixed();
        var builder = FunctionsApplication.CreateBuilder(args);
        // The Functions host reads host.json itself; the worker reads its route prefix too, for Location headers.
        var hostJson = Path.Combine(AppContext.BaseDirectory, "host.json");
        builder.Configuration.Sources.Insert(0, new Microsoft.Extensions.Configuration.Memory.MemoryConfigurationSource
        {
            InitialData = HostConfiguration.ReadHostJson(File.Exists(hostJson) ? hostJson : null),
        });
        builder.ConfigureFunctionsWebApplication();
        builder.UseMiddleware<ProblemMiddleware>();
        builder.Services.AddLonghornFunctions();
        return builder.Build();
    }
}
