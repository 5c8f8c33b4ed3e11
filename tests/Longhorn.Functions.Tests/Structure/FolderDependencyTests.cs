namespace Longhorn.Functions.Tests.Structure;

/// <summary>The folders of the control plane and of the engine import one way, so a reader can take one folder at a time.</summary>
public sealed class FolderDependencyTests
{
    [Fact]
    public void Control_plane_folders_import_one_way()
    {
        var graph = FolderGraph.Read(Source("functions/Longhorn.Functions/ControlPlane"), "Longhorn.Functions.ControlPlane");
        AssertAcyclic(graph);
        // The layering the folders follow, lowest first; a new folder or edge that breaks it shows up here.
        Assert.False(Imports(graph, "Targets", "Volumes"), "Targets imports Volumes");
        Assert.False(Imports(graph, "Volumes", "Backups"), "Volumes imports Backups");
        Assert.False(Imports(graph, "Backups", "RecurringJobs"), "Backups imports RecurringJobs");
    }

    [Fact]
    public void The_function_apps_folders_import_one_way()
    {
        var graph = FolderGraph.Read(Source("functions/Longhorn.Functions"), "Longhorn.Functions");
        // The project root is the composition root (Program, the control plane's registrations) over every folder.
        AssertAcyclic(graph, new HashSet<string> { "(root)" });
        Assert.False(Imports(graph, "Http", "Hosting"), "Http imports Hosting: the functions must not know which host runs them");
        Assert.False(Imports(graph, "Resources", "Cluster"), "Resources imports Cluster: the store sits above the resource types");
    }

    [Fact]
    public void Engine_folders_import_one_way()
    {
        var graph = FolderGraph.Read(Source("engine/Longhorn.Engine"), "Longhorn.Engine");
        // The project root is the facade (BackupStore) over every folder and holds the exceptions they all throw.
        AssertAcyclic(graph, new HashSet<string> { "(root)" });
    }

    [Fact]
    public void The_graph_reader_finds_a_cycle_through_usings_and_an_enclosing_namespace()
    {
        using var temp = new TempSources();
        temp.Write("A/X.cs", "using Demo.B;\nnamespace Demo.A;\npublic sealed class X { Y? y; }\n");
        temp.Write("B/Y.cs", "namespace Demo.B;\npublic sealed class Y { Demo.A.X? x; }\n");
        temp.Write("Z.cs", "using Demo.A;\nnamespace Demo;\npublic sealed class Z;\n");
        temp.Write("C/W.cs", "namespace Demo.C;\npublic sealed class W { Z? z; }\n");
        var graph = FolderGraph.Read(temp.Path, "Demo");

        var cycle = Assert.Single(graph.Cycles());
        Assert.Equal(["A", "B"], cycle);
        Assert.Contains("(root)", graph.Edges["C"].Keys);
        Assert.Contains("A", graph.Edges["(root)"].Keys);
    }

    private static bool Imports(FolderGraph graph, string from, string to) => graph.Edges.TryGetValue(from, out var edges) && edges.ContainsKey(to);

    private static void AssertAcyclic(FolderGraph graph, IReadOnlySet<string>? ignore = null)
    {
        var cycles = graph.Cycles(ignore);
        Assert.True(cycles.Count == 0, "folders that import each other:\n" + string.Join("\n", cycles.Select(graph.Explain)));
    }

    private static string Source(string relative)
    {
        var directory = new DirectoryInfo(AppContext.BaseDirectory);
        while (directory is not null && !File.Exists(Path.Combine(directory.FullName, "Longhorn.Functions.sln"))) directory = directory.Parent;
        return Path.Combine(directory?.FullName ?? throw new DirectoryNotFoundException("Longhorn.Functions.sln not found above the test binaries"), relative);
    }

    private sealed class TempSources : IDisposable
    {
        public string Path { get; } = Directory.CreateTempSubdirectory("lh-graph-").FullName;

        public void Write(string relative, string text)
        {
            var file = System.IO.Path.Combine(Path, relative);
            Directory.CreateDirectory(System.IO.Path.GetDirectoryName(file)!);
            File.WriteAllText(file, text);
        }

        public void Dispose() => Directory.Delete(Path, recursive: true);
    }
}
