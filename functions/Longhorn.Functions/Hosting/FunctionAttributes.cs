namespace Longhorn.Functions.Hosting;

/// <summary>Marks a method as a function, as the Azure Functions isolated worker's <c>[Function]</c> does.</summary>
[AttributeUsage(AttributeTargets.Method)]
public sealed class FunctionAttribute(string name) : Attribute
{
    public string Name { get; } = name;
}

/// <summary>The HTTP trigger: methods and a route under the host's route prefix (host.json <c>extensions.http.routePrefix</c>).</summary>
[AttributeUsage(AttributeTargets.Parameter)]
public sealed class HttpTriggerAttribute(params string[] methods) : Attribute
{
    public IReadOnlyList<string> Methods { get; } = methods.Select(m => m.ToUpperInvariant()).ToList();
    public string Route { get; init; } = "";
}

/// <summary>The timer trigger: an NCRONTAB schedule (6 fields with seconds) or <c>%Setting%</c> naming one.</summary>
[AttributeUsage(AttributeTargets.Parameter)]
public sealed class TimerTriggerAttribute(string schedule) : Attribute
{
    public string Schedule { get; } = schedule;
    public bool RunOnStartup { get; init; }
}

/// <summary>What a timer function is told about its invocation.</summary>
public sealed record TimerInfo(DateTimeOffset ScheduledTime, DateTimeOffset? Last, DateTimeOffset Next, bool IsPastDue);
