namespace Longhorn.Benchmarks.Peers;

/// <summary>A backup tool measured beside the engine on the same image: a full backup and a full restore.</summary>
public interface IPeer
{
    string Name { get; }

    /// <summary>Whether the tool is installed; the scenario says so and skips it otherwise.</summary>
    bool IsInstalled { get; }

    Task<Measurement> BackupAsync(string imagePath, string workDirectory);

    /// <summary>Restores the last backup made by <see cref="BackupAsync"/> into a file and returns its path too.</summary>
    Task<(Measurement Measurement, string RestoredPath)> RestoreAsync(string imagePath, string workDirectory);
}

/// <summary>Finds executables on PATH.</summary>
public static class Executables
{
    public static bool Exists(string name) =>
        (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':').Any(dir => File.Exists(Path.Combine(dir, name)));
}
