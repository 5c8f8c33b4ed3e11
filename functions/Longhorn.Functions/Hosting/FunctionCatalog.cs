using System.Reflection;

namespace Longhorn.Functions.Hosting;

/// <summary>Every function of the assembly, found by its attributes: HTTP functions with their routes, timers with schedules.</summary>
public sealed class FunctionCatalog
{
    public FunctionCatalog(Assembly assembly)
    {
        foreach (var type in assembly.GetTypes().Where(t => t is { IsClass: true, IsAbstract: false }))
        {
            foreach (var method in type.GetMethods(BindingFlags.Public | BindingFlags.Instance))
            {
                if (method.GetCustomAttribute<FunctionAttribute>() is not { } function) continue;
                foreach (var parameter in method.GetParameters())
                {
                    if (parameter.GetCustomAttribute<HttpTriggerAttribute>() is { } http)
                        Http.Add(new HttpFunction(function.Name, http.Methods, http.Route, type, method));
                    else if (parameter.GetCustomAttribute<TimerTriggerAttribute>() is { } timer)
                        Timers.Add(new TimerFunction(function.Name, timer.Schedule, timer.RunOnStartup, type, method));
                }
            }
        }
        Http.Sort((a, b) => string.CompareOrdinal(a.Route, b.Route) is var c && c != 0 ? c : string.CompareOrdinal(a.Name, b.Name));
        Timers.Sort((a, b) => string.CompareOrdinal(a.Name, b.Name));
    }

    public List<HttpFunction> Http { get; } = [];
    public List<TimerFunction> Timers { get; } = [];

    public IEnumerable<Type> FunctionTypes => Http.Select(f => f.Type).Concat(Timers.Select(f => f.Type)).Distinct();
}

public sealed record HttpFunction(string Name, IReadOnlyList<string> Methods, string Route, Type Type, MethodInfo Method);

public sealed record TimerFunction(string Name, string Schedule, bool RunOnStartup, Type Type, MethodInfo Method);
