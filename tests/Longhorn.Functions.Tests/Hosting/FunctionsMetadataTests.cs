using System.Reflection;
using System.Text.Json;
using Longhorn.Functions.Tests.Support;
using Microsoft.AspNetCore.Routing;
using Microsoft.Azure.Functions.Worker;
using Microsoft.Extensions.DependencyInjection;

namespace Longhorn.Functions.Tests.Hosting;

/// <summary>
/// The build's functions.metadata (what the Azure Functions host reads) against the code's Worker attributes and against
/// what the embedded host serves, so the two hosts cannot drift apart.
/// </summary>
public sealed class FunctionsMetadataTests
{
    [Fact]
    public void The_built_metadata_declares_every_function_of_the_code_with_its_trigger()
    {
        var metadata = Declared().ToDictionary(f => f.Name);
        var code = typeof(Program).Assembly.GetTypes().SelectMany(t => t.GetMethods(BindingFlags.Public | BindingFlags.Instance | BindingFlags.DeclaredOnly))
            .Select(m => (Method: m, Function: m.GetCustomAttribute<FunctionAttribute>()))
            .Where(x => x.Function is not null)
            .ToList();
        Assert.Equal(code.Select(c => c.Function!.Name).Order(), metadata.Keys.Order());
        foreach (var (method, function) in code)
        {
            var declared = metadata[function!.Name];
            Assert.Equal($"{method.DeclaringType!.FullName}.{method.Name}", declared.EntryPoint);
            var http = method.GetParameters().Select(p => p.GetCustomAttribute<HttpTriggerAttribute>()).FirstOrDefault(a => a is not null);
            var timer = method.GetParameters().Select(p => p.GetCustomAttribute<TimerTriggerAttribute>()).FirstOrDefault(a => a is not null);
            if (http is not null)
            {
                Assert.Equal("httpTrigger", declared.Trigger);
                Assert.Equal(http.Route, declared.Route);
                Assert.Equal(http.Methods!.Select(m => m.ToUpperInvariant()).Order(), declared.Methods.Order());
                Assert.Equal(http.AuthLevel.ToString(), declared.AuthLevel);
            }
            else
            {
                Assert.NotNull(timer);
                Assert.Equal("timerTrigger", declared.Trigger);
                Assert.Equal(timer.Schedule, declared.Schedule);
            }
        }
    }

    [Fact]
    public void State_changing_functions_need_a_function_key()
    {
        foreach (var function in Declared().Where(f => f.Trigger == "httpTrigger"))
        {
            if (function.Methods.Any(m => m != "GET")) Assert.True(function.AuthLevel == "Function", $"{function.Name} changes state but is {function.AuthLevel}");
        }
        Assert.Equal("Anonymous", Declared().Single(f => f.Name == "Health").AuthLevel);
    }

    [Fact]
    public void The_embedded_host_serves_exactly_the_http_functions_of_the_metadata()
    {
        using var host = new FunctionHost();
        using var client = host.CreateClient();
        var served = host.Services.GetRequiredService<EndpointDataSource>().Endpoints.OfType<RouteEndpoint>()
            .Select(e => $"{e.Metadata.GetMetadata<IEndpointNameMetadata>()?.EndpointName} " +
                         $"{string.Join(',', e.Metadata.GetMetadata<IHttpMethodMetadata>()!.HttpMethods.Order())} {e.RoutePattern.RawText}")
            .Order()
            .ToList();
        var declared = Declared().Where(f => f.Trigger == "httpTrigger")
            .Select(f => $"{f.Name} {string.Join(',', f.Methods.Order())} /api/{f.Route}")
            .Order()
            .ToList();
        Assert.Equal(declared, served);
    }

    [Fact]
    public async Task Dotnet_run_starts_the_embedded_host_which_lists_every_function_and_resolves_timer_schedules_from_settings()
    {
        var dataDir = Directory.CreateTempSubdirectory("lh-listing-").FullName;
        var port = HostProcess.FreePort();
        try
        {
            using var host = HostProcess.StartWithDotnetRun(["--port", port.ToString(System.Globalization.CultureInfo.InvariantCulture), "--data-dir", dataDir],
                new Dictionary<string, string> { ["BackupTargetPollSchedule"] = "*/7 * * * * *" });
            using var client = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}") };
            await host.WaitUntilHealthyAsync(client);
            await Api.EventuallyAsync(() => Task.FromResult(host.Output.Contains("Functions:", StringComparison.Ordinal)), "the function listing");
            var lines = host.Output.Split('\n').Select(l => l.Trim()).ToHashSet();
            foreach (var function in Declared())
            {
                var expected = function.Trigger == "httpTrigger"
                    ? $"{function.Name}: [{string.Join(',', function.Methods)}] http://127.0.0.1:{port}/api/{function.Route}"
                    : $"{function.Name}: timerTrigger ({(function.Name == "BackupTargetPoll" ? "*/7 * * * * *" : Resolve(function.Schedule!))})";
                Assert.True(lines.Contains(expected), $"missing listing line '{expected}' in:\n{host.Output}");
            }
            // The banner points at the web page, which the program serves from its own output.
            await Api.EventuallyAsync(() => Task.FromResult(host.Output.Contains($"Web page: http://127.0.0.1:{port}/", StringComparison.Ordinal)),
                "the web page's line in the banner");
            using var page = await client.GetAsync("/");
            Assert.Equal("text/html", page.Content.Headers.ContentType?.MediaType);
        }
        finally
        {
            FunctionHost.TryDelete(dataDir);
        }
    }

    /// <summary>A %Setting% schedule as local.settings.sample.json sets it (the host's built-in defaults are the same).</summary>
    private static string Resolve(string schedule)
    {
        var sample = JsonDocument.Parse(File.ReadAllText(Path.Combine(HostProcess.RepositoryRoot(), "local.settings.sample.json")));
        return schedule.StartsWith('%') ? sample.RootElement.GetProperty("Values").GetProperty(schedule.Trim('%')).GetString()! : schedule;
    }

    /// <summary>functions.metadata as the Worker Sdk wrote it into the host's build output, read without the host's own reader.</summary>
    public static List<DeclaredFunction> Declared()
    {
        using var document = JsonDocument.Parse(File.ReadAllText(Path.Combine(HostProcess.OutputDirectory(), "functions.metadata")));
        var functions = new List<DeclaredFunction>();
        foreach (var function in document.RootElement.EnumerateArray())
        {
            var trigger = function.GetProperty("bindings").EnumerateArray().Single(b => b.GetProperty("type").GetString()!.EndsWith("Trigger", StringComparison.Ordinal));
            functions.Add(new DeclaredFunction(
                function.GetProperty("name").GetString()!,
                function.GetProperty("entryPoint").GetString()!,
                trigger.GetProperty("type").GetString()!,
                trigger.TryGetProperty("route", out var route) ? route.GetString() : null,
                trigger.TryGetProperty("methods", out var methods) ? methods.EnumerateArray().Select(m => m.GetString()!.ToUpperInvariant()).ToList() : [],
                trigger.TryGetProperty("authLevel", out var auth) ? auth.GetString() : null,
                trigger.TryGetProperty("schedule", out var schedule) ? schedule.GetString() : null));
        }
        return functions;
    }

    public sealed record DeclaredFunction(string Name, string EntryPoint, string Trigger, string? Route, List<string> Methods, string? AuthLevel, string? Schedule);
}
