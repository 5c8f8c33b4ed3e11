using System.Text.RegularExpressions;

namespace Longhorn.Functions.Tests.Structure;

/// <summary>
/// Which folder of a project imports which, read from the sources: <c>using</c> directives, fully or partly qualified
/// names of a folder's namespace, and a folder's implicit use of an enclosing namespace (named by one of its types).
/// </summary>
public sealed partial class FolderGraph
{
    private const string Root = "(root)";

    private readonly Dictionary<string, Dictionary<string, string>> _edges = new(StringComparer.Ordinal);

    private FolderGraph()
    {
    }

    /// <summary>Each edge's evidence: the file and line that makes the first folder import the second.</summary>
    public IReadOnlyDictionary<string, Dictionary<string, string>> Edges => _edges;

    /// <summary>Reads the .cs files under <paramref name="directory"/>, whose namespaces start with <paramref name="rootNamespace"/>.</summary>
    public static FolderGraph Read(string directory, string rootNamespace)
    {
        var graph = new FolderGraph();
        var files = Directory.EnumerateFiles(directory, "*.cs", SearchOption.AllDirectories)
            .Where(f => !f.Contains("/obj/", StringComparison.Ordinal) && !f.Contains("/bin/", StringComparison.Ordinal))
            .Select(f => (Path: f, Folder: FolderOf(directory, f), Text: File.ReadAllText(f)))
            .ToList();
        var folders = files.Select(f => f.Folder).Distinct().ToList();
        var typesByFolder = folders.ToDictionary(f => f, f => files.Where(x => x.Folder == f)
            .SelectMany(x => TypeDeclaration().Matches(x.Text).Select(m => m.Groups[1].Value)).ToHashSet(StringComparer.Ordinal));
        var prefix = Regex.Escape(rootNamespace);
        var qualified = new Regex($@"\b{prefix}\.([A-Z]\w*(?:\.[A-Z]\w*)*)");
        var partlyQualified = new Regex($@"(?<![\w.""])({string.Join('|', folders.Where(f => f != Root).Select(f => Regex.Escape(f.Replace('/', '.'))))})\.[A-Z]\w*");
        foreach (var (path, folder, text) in files)
        {
            var lines = text.Split('\n');
            for (var i = 0; i < lines.Length; i++)
            {
                var line = lines[i];
                if (line.TrimStart().StartsWith("namespace ", StringComparison.Ordinal)) continue;
                foreach (Match m in qualified.Matches(line)) graph.Add(folder, Resolve(folders, m.Groups[1].Value), path, i);
                if (folders.Count > 1 && !line.TrimStart().StartsWith("//", StringComparison.Ordinal))
                {
                    foreach (Match m in partlyQualified.Matches(line)) graph.Add(folder, m.Groups[1].Value.Replace('.', '/'), path, i);
                }
            }
            // Code in namespace A.B sees A's types without a using: a mention of one is an import of A.
            foreach (var ancestor in Ancestors(folder))
            {
                var used = typesByFolder.GetValueOrDefault(ancestor)?.FirstOrDefault(t => Regex.IsMatch(text, $@"\b{t}\b"));
                if (used is not null) graph.Add(folder, ancestor, path, -1, $"uses {used}");
            }
        }
        return graph;
    }

    /// <summary>The folders that import each other, directly or around a loop; empty when the imports are one-way.</summary>
    public IReadOnlyList<IReadOnlyList<string>> Cycles(IReadOnlySet<string>? ignore = null)
    {
        var nodes = _edges.Keys.Concat(_edges.Values.SelectMany(e => e.Keys)).Distinct().Where(n => ignore?.Contains(n) != true).ToList();
        var cycles = new List<IReadOnlyList<string>>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var start in nodes.Order(StringComparer.Ordinal))
        {
            // One loop per set of folders, so the message names each tangle once.
            if (FindPath(start, start, ignore, []) is { } path && seen.Add(string.Join(',', path.Order(StringComparer.Ordinal)))) cycles.Add(path);
        }
        return cycles;
    }

    /// <summary>A cycle as a reader needs it: each import with the line that makes it.</summary>
    public string Explain(IReadOnlyList<string> cycle) =>
        string.Join("\n", cycle.Select((from, i) => $"  {from} -> {cycle[(i + 1) % cycle.Count]}: {_edges[from][cycle[(i + 1) % cycle.Count]]}"));

    private List<string>? FindPath(string from, string to, IReadOnlySet<string>? ignore, HashSet<string> seen)
    {
        if (!_edges.TryGetValue(from, out var next)) return null;
        foreach (var target in next.Keys.Order(StringComparer.Ordinal))
        {
            if (ignore?.Contains(target) == true) continue;
            if (target == to) return [from];
            if (!seen.Add(target)) continue;
            if (FindPath(target, to, ignore, seen) is { } rest) return [from, .. rest];
        }
        return null;
    }

    private void Add(string from, string to, string path, int line, string? why = null)
    {
        if (from == to) return;
        var edges = _edges.TryGetValue(from, out var e) ? e : _edges[from] = new Dictionary<string, string>(StringComparer.Ordinal);
        edges.TryAdd(to, $"{Path.GetFileName(path)}{(line >= 0 ? $":{line + 1}" : "")}{(why is null ? "" : " " + why)}");
    }

    private static string FolderOf(string directory, string file)
    {
        var relative = Path.GetRelativePath(directory, Path.GetDirectoryName(file)!);
        return relative == "." ? Root : relative;
    }

    /// <summary>The folder whose namespace is the longest prefix of the qualified name.</summary>
    private static string Resolve(IReadOnlyList<string> folders, string qualifiedName)
    {
        var parts = qualifiedName.Split('.');
        for (var n = parts.Length; n > 0; n--)
        {
            var candidate = string.Join('/', parts[..n]);
            if (folders.Contains(candidate)) return candidate;
        }
        return Root;
    }

    private static IEnumerable<string> Ancestors(string folder)
    {
        if (folder == Root) yield break;
        var parts = folder.Split('/');
        for (var n = parts.Length - 1; n > 0; n--) yield return string.Join('/', parts[..n]);
        yield return Root;
    }

    [GeneratedRegex(@"^\s*(?:public|internal)\s+(?:(?:sealed|static|abstract|readonly|partial)\s+)*(?:class|record|struct|enum|interface)\s+(?:struct\s+)?(\w+)", RegexOptions.Multiline)]
    private static partial Regex TypeDeclaration();
}
