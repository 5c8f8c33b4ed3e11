namespace Longhorn.Benchmarks.Peers;

/// <summary>borg (Debian package borgbackup) in its closest mode to ours: fixed 2 MiB chunks, lz4, sparse, no encryption.</summary>
public sealed class Borg : IPeer
{
    public string Name => "borg";

    public bool IsInstalled => Executables.Exists("borg");

    private static Dictionary<string, string> Environment(string work) => new()
    {
        ["BORG_BASE_DIR"] = Path.Combine(work, "borg-base"),
        ["BORG_UNKNOWN_UNENCRYPTED_REPO_ACCESS_IS_OK"] = "yes",
    };

    public async Task<Measurement> BackupAsync(string imagePath, string workDirectory)
    {
        var repo = Path.Combine(workDirectory, "borg-repo");
        if (Directory.Exists(repo)) Directory.Delete(repo, recursive: true);
        Restic.Reset(Path.Combine(workDirectory, "borg-base"));
        await Measurement.RunCommandAsync(workDirectory, Environment(workDirectory), "borg", "init", "--encryption=none", repo);
        return await Measurement.RunCommandAsync(workDirectory, Environment(workDirectory), "borg", "create",
            "--chunker-params", "fixed,2097152", "--sparse", "--compression", "lz4", repo + "::a1", imagePath);
    }

    public async Task<(Measurement, string)> RestoreAsync(string imagePath, string workDirectory)
    {
        var target = Path.Combine(workDirectory, "borg-restore");
        Restic.Reset(target);
        var m = await Measurement.RunCommandAsync(target, Environment(workDirectory), "borg", "extract", "--sparse",
            Path.Combine(workDirectory, "borg-repo") + "::a1");
        return (m, Path.Combine(target, imagePath.TrimStart('/')));
    }
}
