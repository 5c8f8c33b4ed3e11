using Xunit.Abstractions;
using Xunit.Sdk;

namespace Longhorn.Testing;

/// <summary>Discovers <see cref="ToolFactAttribute"/> tests: skipped when a required program is missing outside CI.</summary>
public sealed class ToolFactDiscoverer(IMessageSink diagnosticMessageSink) : IXunitTestCaseDiscoverer
{
    public IEnumerable<IXunitTestCase> Discover(ITestFrameworkDiscoveryOptions discoveryOptions, ITestMethod testMethod, IAttributeInfo factAttribute)
    {
        var display = discoveryOptions.MethodDisplayOrDefault();
        var displayOptions = discoveryOptions.MethodDisplayOptionsOrDefault();
        var missing = testMethod.TestClass.Class.GetCustomAttributes(typeof(RequiresToolAttribute))
            .Select(a => a.GetConstructorArguments().Single() as string)
            .OfType<string>()
            .Where(name => ExternalTool.Find(name) is null)
            .ToList();
        if (missing.Count > 0 && !ExternalTool.IsCi)
            return [new XunitSkippedDataRowTestCase(diagnosticMessageSink, display, displayOptions, testMethod, ExternalTool.MissingMessage(missing[0]))];
        return [new XunitTestCase(diagnosticMessageSink, display, displayOptions, testMethod)];
    }
}
