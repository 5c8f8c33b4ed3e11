namespace Longhorn.Functions.Cluster;

/// <summary>
/// The resource database holds credential secrets: its directory is the owner's alone (0700) and the database file is
/// created 0600 before SQLite opens it (SQLite gives its -wal and -shm files the database file's mode). A directory or
/// file left more open by an older host is tightened.
/// </summary>
public static class PrivateFiles
{
    private const UnixFileMode OwnerDirectory = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute;
    private const UnixFileMode OwnerFile = UnixFileMode.UserRead | UnixFileMode.UserWrite;

    public static void Prepare(string databasePath)
    {
        var full = Path.GetFullPath(databasePath);
        var directory = Path.GetDirectoryName(full)!;
        if (OperatingSystem.IsWindows())
        {
            Directory.CreateDirectory(directory);
            return;
        }
        Directory.CreateDirectory(directory, OwnerDirectory);
        File.SetUnixFileMode(directory, OwnerDirectory);
        if (!File.Exists(full))
        {
            using var created = new FileStream(full, new FileStreamOptions
            {
                Mode = FileMode.CreateNew, Access = FileAccess.Write, UnixCreateMode = OwnerFile,
            });
        }
        foreach (var file in new[] { full, full + "-wal", full + "-shm" })
        {
            if (File.Exists(file)) File.SetUnixFileMode(file, OwnerFile);
        }
    }
}
