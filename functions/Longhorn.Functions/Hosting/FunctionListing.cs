using System.Text;

namespace Longhorn.Functions.Hosting;

/// <summary>The start banner <c>func start</c> prints: every function with its methods and URL, or its schedule.</summary>
public static class FunctionListing
{
    public static string Format(FunctionCatalog catalog, string baseUrl, string routePrefix, IConfiguration configuration, FunctionKeys? keys = null)
    {
        var text = new StringBuilder().AppendLine().AppendLine("Functions:").AppendLine();
        foreach (var f in catalog.Http)
        {
            text.AppendLine($"\t{f.Name}: [{string.Join(',', f.Methods)}] {baseUrl.TrimEnd('/')}{HttpFunctionEndpoints.RoutePattern(routePrefix, f.Route)}");
        }
        text.AppendLine();
        foreach (var f in catalog.Timers)
        {
            var schedule = TimerFunctionHost.ResolveSchedule(f.Schedule, configuration);
            text.AppendLine($"\t{f.Name}: timerTrigger ({schedule})");
        }
        if (keys is { Enforced: true })
        {
            text.AppendLine().Append("Function keys are required (not listening on loopback only): x-functions-key header or ?code=");
            text.AppendLine(keys.KeyFile is { } file ? $"; the default key is in {file}" : "; keys from the FunctionKeys settings");
        }
        return text.ToString();
    }
}
