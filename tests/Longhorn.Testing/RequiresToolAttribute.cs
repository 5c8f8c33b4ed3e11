namespace Longhorn.Testing;

/// <summary>Marks a test class whose <see cref="ToolFactAttribute"/> tests run a program from PATH (e.g. moto_server).</summary>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = true, Inherited = true)]
public sealed class RequiresToolAttribute(string name) : Attribute
{
    public string Name { get; } = name;
}
