using System.Text;

namespace Longhorn.Functions.Hosting;

/// <summary>The start banner <c>func start</c> prints: every function with its methods and URL, or its schedule.</summary>
public static class FunctionListing
{
    public static string Format(FunctionCatalog catalog, string baseUrl, string routePrefix, IConfiguration configuration)
    {
        var text = new StringBuilder().AppendLine().AppendLine("Functions:").AppendLine();
        foreach (var f in catalog.Http)
        {
            var route = string.Join('/', new[] { routePrefix.Trim('/'), f.Route.Trim('/') }.Where(p => p.Length > 0));
            text.AppendLine($"\t{f.Name}: [{string.Join(',', f.Methods)}] {baseUrl.TrimEnd('/')}/{route}");
        }
        text.AppendLine();
        foreach (var f in catalog.Timers)
        {
            var schedule = TimerFunctionHost.ResolveSchedule(f.Schedule, configuration);
            text.AppendLine($"\t{f.Name}: timerTrigger ({schedule})");
        }
        return text.ToString();
    }
}
