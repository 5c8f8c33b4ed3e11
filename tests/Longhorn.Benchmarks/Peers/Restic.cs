namespace Longhorn.Benchmarks.Peers;

/// <summary>restic (Debian package restic): default settings, as a user would run it.</summary>
public sealed class Restic : IPeer
{
    public string Name => "restic";

    public bool IsInstalled => Executables.Exists("restic");

    private static Dictionary<string, string> Environment(string work) => new()
    {
        ["RESTIC_PASSWORD"] = "bench",
        ["XDG_CACHE_HOME"] = Path.Combine(work, "restic-cache"),
    };

    public async Task<Measurement> BackupAsync(string imagePath, string workDirectory)
    {
        var repo = Path.Combine(workDirectory, "restic-repo");
        Reset(repo);
        Reset(Path.Combine(workDirectory, "restic-cache"));
        await Measurement.RunCommandAsync(workDirectory, Environment(workDirectory), "restic", "-r", repo, "init", "--repository-version", "2");
        return await Measurement.RunCommandAsync(workDirectory, Environment(workDirectory), "restic", "-r", repo, "backup", "--host", "bench", imagePath);
    }

    public async Task<(Measurement, string)> RestoreAsync(string imagePath, string workDirectory)
    {
        var target = Path.Combine(workDirectory, "restic-restore");
        Reset(target);
        var m = await Measurement.RunCommandAsync(workDirectory, Environment(workDirectory), "restic", "-r",
            Path.Combine(workDirectory, "restic-repo"), "restore", "latest", "--target", target);
        return (m, target + imagePath);
    }

    internal static void Reset(string directory)
    {
        if (Directory.Exists(directory)) Directory.Delete(directory, recursive: true);
        Directory.CreateDirectory(directory);
    }
}
