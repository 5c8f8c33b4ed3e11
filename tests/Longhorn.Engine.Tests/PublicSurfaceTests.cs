using System.Text.RegularExpressions;

namespace Longhorn.Engine.Tests;

/// <summary>The engine publishes exactly the types the README's engine section lists; the rest stays internal.</summary>
public sealed partial class PublicSurfaceTests
{
    [Fact]
    public void The_public_types_are_those_the_README_lists()
    {
        var exported = typeof(BackupStore).Assembly.GetExportedTypes()
            .Select(t => t.DeclaringType is { } outer ? $"{outer.Name}.{t.Name}" : t.Name)
            .Order(StringComparer.Ordinal)
            .ToList();

        Assert.Equal(ReadmeList(), exported);
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
