using Xunit;
using Xunit.Sdk;

namespace Longhorn.Testing;

/// <summary>
/// A fact that is skipped, with the reason, when a program its concrete test class requires
/// (<see cref="RequiresToolAttribute"/>) is not on PATH, unless CI=true, where it runs and fails saying so. Declared on
/// an abstract base class, it is decided per subclass, so one conformance suite can run against several stores.
/// </summary>
[XunitTestCaseDiscoverer("Longhorn.Testing.ToolFactDiscoverer", "Longhorn.Testing")]
[AttributeUsage(AttributeTargets.Method)]
public sealed class ToolFactAttribute : FactAttribute;
