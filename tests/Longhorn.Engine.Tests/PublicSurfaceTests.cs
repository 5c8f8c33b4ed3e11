using System.Text.RegularExpressions;
using Longhorn.Engine.Store.S3;

namespace Longhorn.Engine.Tests;

/// <summary>The engine and its S3 driver publish exactly the types the README's engine section lists; the rest stays internal.</summary>
public sealed partial class PublicSurfaceTests
{
    [Fact]
    public void The_public_types_are_those_the_README_lists()
    {
        var exported = typeof(BackupStore).Assembly.GetExportedTypes().Concat(typeof(S3Drivers).Assembly.GetExportedTypes())
            .Select(t => t.DeclaringType is { } outer ? $"{outer.Name}.{t.Name}" : t.Name)
            .Order(StringComparer.Ordinal)
            .ToList();

        Assert.Equal(ReadmeList(), exported);
    }

    [Fact]
    public void The_engine_itself_needs_neither_the_AWS_SDK_nor_Polly()
    {
        var references = typeof(BackupStore).Assembly.GetReferencedAssemblies().Select(a => a.Name).ToList();
        Assert.DoesNotContain(references, name => name!.StartsWith("AWSSDK", StringComparison.Ordinal) || name.StartsWith("Polly", StringComparison.Ordinal));
        Assert.Contains(typeof(S3Drivers).Assembly.GetReferencedAssemblies(), a => a.Name == "AWSSDK.S3");
    }

    /// <summary>The backticked type names in the table under "### Public types".</summary>
    private static List<string> ReadmeList()
    {
        var directory = new DirectoryInfo(AppContext.BaseDirectory);
        while (directory is not null && !File.Exists(Path.Combine(directory.FullName, "README.md"))) directory = directory.Parent;
        var readme = File.ReadAllText(Path.Combine(directory?.FullName ?? throw new FileNotFoundException("README.md"), "README.md"));
        var section = readme[readme.IndexOf("### Public types", StringComparison.Ordinal)..];
        section = section[..section.IndexOf("\n## ", StringComparison.Ordinal)];
        return section.Split('\n').Where(line => line.StartsWith("| ", StringComparison.Ordinal) && !line.StartsWith("| folder", StringComparison.Ordinal))
            .SelectMany(line => TypeName().Matches(line.Split('|')[2]).Select(m => m.Groups[1].Value))
            .Order(StringComparer.Ordinal)
            .ToList();
    }

    [GeneratedRegex(@"`([A-Z]\w*(?:\.[A-Z]\w*)?)`")]
    private static partial Regex TypeName();
}
