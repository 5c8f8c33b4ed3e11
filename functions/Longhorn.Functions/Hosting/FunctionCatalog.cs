using System.Reflection;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Longhorn.Functions.Hosting;

/// <summary>
/// Every function the build declared in <c>functions.metadata</c> (the file the Azure Functions host reads), resolved to
/// its method: HTTP functions with methods, route and auth level; timers with their schedule.
/// </summary>
public sealed class FunctionCatalog
{
    public const string FileName = "functions.metadata";

    private FunctionCatalog(List<HttpFunction> http, List<TimerFunction> timers)
    {
        Http = http;
        Timers = timers;
    }

    public IReadOnlyList<HttpFunction> Http { get; }

    public IReadOnlyList<TimerFunction> Timers { get; }

    /// <summary>The build's metadata beside the entry assembly (or the given directory).</summary>
    public static FunctionCatalog Load(Assembly assembly, string? directory = null)
    {
        var candidates = new[] { directory, AppContext.BaseDirectory, Path.GetDirectoryName(assembly.Location) }
            .Where(d => !string.IsNullOrEmpty(d)).Select(d => Path.Combine(d!, FileName));
        var path = candidates.FirstOrDefault(File.Exists)
                   ?? throw new FileNotFoundException($"{FileName} was not found beside {assembly.GetName().Name}.dll; build the project (the Azure Functions Worker Sdk writes it)");
        return Parse(File.ReadAllText(path), assembly, path);
    }

    public static FunctionCatalog Parse(string json, Assembly assembly, string source = FileName)
    {
        var http = new List<HttpFunction>();
        var timers = new List<TimerFunction>();
        var functions = JsonNode.Parse(json) as JsonArray ?? throw new InvalidDataException($"{source} is not a JSON array");
        foreach (var function in functions.OfType<JsonObject>())
        {
            var name = (string?)function["name"] ?? throw new InvalidDataException($"{source}: a function without a name");
            var method = ResolveEntryPoint((string?)function["entryPoint"], assembly, name, source);
            var bindings = function["bindings"] as JsonArray ?? [];
            foreach (var binding in bindings.OfType<JsonObject>())
            {
                var type = (string?)binding["type"];
                if (string.Equals(type, "httpTrigger", StringComparison.OrdinalIgnoreCase))
                {
                    var methods = (binding["methods"] as JsonArray ?? []).Select(m => ((string)m!).ToUpperInvariant()).ToList();
                    http.Add(new HttpFunction(name, methods, (string?)binding["route"] ?? name, ParseAuthLevel((string?)binding["authLevel"]),
                        method.DeclaringType!, method));
                }
                else if (string.Equals(type, "timerTrigger", StringComparison.OrdinalIgnoreCase))
                {
                    timers.Add(new TimerFunction(name, (string?)binding["schedule"] ?? throw new InvalidDataException($"{source}: timer {name} has no schedule"),
                        binding["runOnStartup"] is JsonValue run && run.GetValueKind() == JsonValueKind.True, method.DeclaringType!, method));
                }
            }
        }
        http.Sort((a, b) => string.CompareOrdinal(a.Route, b.Route) is var c && c != 0 ? c : string.CompareOrdinal(a.Name, b.Name));
        timers.Sort((a, b) => string.CompareOrdinal(a.Name, b.Name));
        return new FunctionCatalog(http, timers);
    }

    private static MethodInfo ResolveEntryPoint(string? entryPoint, Assembly assembly, string name, string source)
    {
        var dot = entryPoint?.LastIndexOf('.') ?? -1;
        if (dot <= 0) throw new InvalidDataException($"{source}: function {name} has no entryPoint");
        var type = assembly.GetType(entryPoint![..dot]) ?? throw new InvalidDataException($"{source}: {entryPoint[..dot]} of function {name} is not in {assembly.GetName().Name}");
        return type.GetMethod(entryPoint[(dot + 1)..], BindingFlags.Public | BindingFlags.Instance | BindingFlags.Static)
               ?? throw new InvalidDataException($"{source}: {entryPoint} of function {name} does not exist");
    }

    /// <summary>The Functions host's auth levels, as the metadata spells them (names or numbers).</summary>
    private static AuthLevel ParseAuthLevel(string? text) => text?.ToLowerInvariant() switch
    {
        null or "" or "function" or "1" => AuthLevel.Function,
        "anonymous" or "0" => AuthLevel.Anonymous,
        "admin" or "4" => AuthLevel.Admin,
        "user" or "2" => AuthLevel.User,
        "system" or "3" => AuthLevel.System,
        _ => throw new InvalidDataException($"unknown authLevel '{text}'"),
    };
}

/// <summary>Who may call an HTTP function, as the Azure Functions host enforces it.</summary>
public enum AuthLevel
{
    Anonymous,
    Function,
    User,
    System,
    Admin,
}

public sealed record HttpFunction(string Name, IReadOnlyList<string> Methods, string Route, AuthLevel AuthLevel, Type Type, MethodInfo Method);

public sealed record TimerFunction(string Name, string Schedule, bool RunOnStartup, Type Type, MethodInfo Method);
