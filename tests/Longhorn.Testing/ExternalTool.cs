namespace Longhorn.Testing;

/// <summary>Programs the tests run (moto_server, aws, kubectl, chromium): where they are on PATH, and whether this run is CI, where a missing one is an error.</summary>
public static class ExternalTool
{
    /// <summary>True under CI (env CI=true): tests that need a missing program fail instead of being skipped.</summary>
    public static bool IsCi => string.Equals(Environment.GetEnvironmentVariable("CI"), "true", StringComparison.OrdinalIgnoreCase);

    /// <summary>The full path of an executable on PATH, or null.</summary>
    public static string? Find(string name)
    {
        foreach (var directory in (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries))
        {
            var candidate = Path.Combine(directory, name);
            if (File.Exists(candidate) && (File.GetUnixFileMode(candidate) & (UnixFileMode.UserExecute | UnixFileMode.GroupExecute | UnixFileMode.OtherExecute)) != 0)
                return candidate;
        }
        return null;
    }

    /// <summary>The path of a program the test cannot do without; throws a message that says how to get it.</summary>
    public static string Require(string name) =>
        Find(name) ?? throw new InvalidOperationException(MissingMessage(name));

    public static string MissingMessage(string name) =>
        $"{name} is not on PATH ({(IsCi ? "CI=true, so this fails" : "skipped locally")}); {WhereToGet(name)}";

    private static string WhereToGet(string name) => name switch
    {
        "chromium" => "it is Debian's chromium package (apt-get install -y chromium; .ci/run installs it), which the browser tests drive through Playwright",
        "kubectl" => "kubectl 1.32 comes with the machine image",
        _ => "it comes with the machine image's Python (moto 5.2.1 provides moto_server, awscli provides aws, under /root/.pyenv/shims); " +
             "PyPI is not reachable to install it",
    };
}
