using Longhorn.Functions.ControlPlane;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Longhorn.Functions.Hosting;

/// <summary>
/// Reads the Azure Functions files into configuration, lowest precedence first: built-in defaults, host.json
/// (route prefix, logging), local.settings.json (<c>Values</c>, <c>Host.LocalHttpPort</c>), then the usual
/// appsettings, environment variables, and the command line with <c>--port N</c>, <c>--host ADDRESS</c> and <c>--data-dir DIR</c>.
/// </summary>
public static class HostConfiguration
{
    public const string RoutePrefixKey = Http.FunctionRoutes.PrefixKey;
    public const string PortKey = Kubernetes.KubernetesApiHost.FunctionPortKey;
    public const string AddressKey = "Host:Address";
    public const int DefaultPort = Kubernetes.KubernetesApiHost.DefaultFunctionPort;

    /// <summary>Timer schedules and other defaults that the files may override.</summary>
    public static readonly IReadOnlyDictionary<string, string?> Defaults = new Dictionary<string, string?>
    {
        [RoutePrefixKey] = "api",
        [PortKey] = "7071",
        [AddressKey] = "127.0.0.1",
        ["BackupTargetPollSchedule"] = "*/5 * * * * *",
        ["RecurringJobSchedule"] = "0 * * * * *",
        ["ReconcileSchedule"] = "*/30 * * * * *",
    };

    /// <summary>
    /// Turns configuration reload off unless the user set <c>DOTNET_hostBuilder__reloadConfigOnChange</c>; call before
    /// creating a builder (the web builder reads the key from the environment, not from its arguments). Reload watches
    /// the content root, the directory the host starts in, recursively: one inotify watch per directory on Linux, and
    /// the default data directory with the NFS store's block directories lives under it, so every backup would grow
    /// the watch set and its rescans until the user's inotify limit.
    /// </summary>
    public static void KeepConfigurationFixed()
    {
        const string ReloadKey = "DOTNET_hostBuilder__reloadConfigOnChange";
        if (Environment.GetEnvironmentVariable(ReloadKey) is null) Environment.SetEnvironmentVariable(ReloadKey, "false");
    }

    public static void Apply(WebApplicationBuilder builder, string[] args)
    {
        var directories = new[] { Directory.GetCurrentDirectory(), AppContext.BaseDirectory }.Distinct().ToList();
        var sources = builder.Configuration.Sources;
        sources.Insert(0, Memory(Defaults));
        sources.Insert(1, Memory(ReadHostJson(Find(directories, "host.json"))));
        sources.Insert(2, Memory(ReadLocalSettings(Find(directories, "local.settings.json"))));
        builder.Configuration.AddInMemoryCollection(CommandLine(args));

        if (string.IsNullOrEmpty(builder.Configuration["urls"]))
            builder.WebHost.UseUrls($"http://{UrlHost(ListenAddress(builder.Configuration))}:{builder.Configuration.GetValue(PortKey, DefaultPort)}");
    }

    /// <summary>The address the embedded host listens on (<c>--host</c>; default loopback only).</summary>
    public static string ListenAddress(IConfiguration configuration) => configuration[AddressKey] is { Length: > 0 } address ? address : "127.0.0.1";

    private static string UrlHost(string address) => address.Contains(':', StringComparison.Ordinal) && !address.StartsWith('[') ? $"[{address}]" : address;

    private static Microsoft.Extensions.Configuration.Memory.MemoryConfigurationSource Memory(IEnumerable<KeyValuePair<string, string?>> values) =>
        new() { InitialData = values };

    private static string? Find(IEnumerable<string> directories, string fileName) =>
        directories.Select(d => Path.Combine(d, fileName)).FirstOrDefault(File.Exists);

    /// <summary>host.json: <c>extensions.http.routePrefix</c> and <c>logging.logLevel</c>.</summary>
    public static Dictionary<string, string?> ReadHostJson(string? path)
    {
        var values = new Dictionary<string, string?>();
        if (path is null) return values;
        var root = Parse(path);
        if (root?["extensions"]?["http"]?["routePrefix"] is JsonValue prefix) values[RoutePrefixKey] = prefix.ToString();
        if (root?["logging"]?["logLevel"] is JsonObject levels)
        {
            foreach (var (category, level) in levels)
                values[$"Logging:LogLevel:{(category == "default" ? "Default" : category)}"] = level?.ToString();
        }
        return values;
    }

    /// <summary>local.settings.json: every <c>Values</c> entry (<c>__</c> nests, as in environment variables) and <c>Host.LocalHttpPort</c>.</summary>
    public static Dictionary<string, string?> ReadLocalSettings(string? path)
    {
        var values = new Dictionary<string, string?>();
        if (path is null) return values;
        var root = Parse(path);
        if (root?["Values"] is JsonObject settings)
        {
            foreach (var (key, value) in settings) values[key.Replace("__", ":", StringComparison.Ordinal)] = value?.ToString();
        }
        if (root?["Host"]?["LocalHttpPort"] is JsonValue port) values[PortKey] = port.ToString();
        return values;
    }

    private static Dictionary<string, string?> CommandLine(string[] args)
    {
        var values = new Dictionary<string, string?>();
        for (var i = 0; i < args.Length - 1; i++)
        {
            if (args[i] == "--port") values[PortKey] = args[i + 1];
            else if (args[i] == "--host") values[AddressKey] = args[i + 1];
            else if (args[i] == "--k8s-port") values["Host:KubernetesPort"] = args[i + 1];
            else if (args[i] == "--data-dir") values[$"{LonghornOptions.Section}:DataDir"] = args[i + 1];
        }
        return values;
    }

    private static JsonNode? Parse(string path)
    {
        try
        {
            return JsonNode.Parse(File.ReadAllText(path), documentOptions: new JsonDocumentOptions { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true });
        }
        catch (JsonException e)
        {
            throw new InvalidOperationException($"{path} is not valid JSON: {e.Message}", e);
        }
    }
}
