using System.Diagnostics;
using System.IO.Enumeration;

namespace Longhorn.Engine.Store;

/// <summary>
/// The driver for <c>vfs://</c>, and for <c>nfs://</c> and <c>cifs://</c> once mapped to their mount directory
/// (Longhorn's fsops): writes go to <c>&lt;dst&gt;.tmp.&lt;unix ns&gt;</c> and are renamed into place; each temp file is
/// recorded in the journal, when there is one, before it is created and once it is gone.
/// </summary>
internal sealed class FileSystemDriver : IBackupStoreDriver, ITreeListingDriver
{
    private const int MaxPrunedParents = 10;
    private const string TempInfix = ".tmp.";
    private readonly string _root;
    private readonly IStoreFileJournal? _journal;

    public FileSystemDriver(string url, string rootDirectory, IStoreFileJournal? journal = null)
    {
        Url = url;
        _root = Path.GetFullPath(rootDirectory);
        _journal = journal;
    }

    public string Url { get; }

    /// <summary>The local directory the store paths are relative to.</summary>
    public string RootDirectory => _root;

    public ValueTask<bool> FileExistsAsync(string path, CancellationToken cancellationToken) =>
        ValueTask.FromResult(File.Exists(Local(path)));

    public ValueTask<long> FileSizeAsync(string path, CancellationToken cancellationToken)
    {
        var info = new FileInfo(Local(path));
        return ValueTask.FromResult(info.Exists ? info.Length : -1);
    }

    public ValueTask<DateTimeOffset?> FileTimeAsync(string path, CancellationToken cancellationToken)
    {
        var info = new FileInfo(Local(path));
        return ValueTask.FromResult<DateTimeOffset?>(info.Exists ? new DateTimeOffset(info.LastWriteTimeUtc, TimeSpan.Zero) : null);
    }

    public ValueTask<Stream> ReadAsync(string path, CancellationToken cancellationToken)
    {
        var local = Local(path);
        try
        {
            Stream stream = new FileStream(local, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete,
                bufferSize: 0, FileOptions.Asynchronous);
            return ValueTask.FromResult(stream);
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            throw new BackupStoreNotFoundException($"cannot find {path} in backupstore {Url}", e);
        }
        catch (IOException e)
        {
            throw new BackupStoreException($"cannot read {path} in backupstore {Url}: {e.Message}", e);
        }
    }

    public async ValueTask WriteAsync(string path, ReadOnlyMemory<byte> data, CancellationToken cancellationToken)
    {
        var local = Local(path);
        var tempPath = TempName(path);
        var temp = Local(tempPath);
        _journal?.Writing(Url, tempPath);
        try
        {
            CreateParent(local);
            await using (var file = new FileStream(temp, FileMode.CreateNew, FileAccess.Write, FileShare.None,
                             bufferSize: 0, FileOptions.Asynchronous))
            {
                await file.WriteAsync(data, cancellationToken).ConfigureAwait(false);
            }
            File.Move(temp, local, overwrite: true);
            _journal?.Gone(Url, tempPath);
        }
        catch (Exception e)
        {
            if (TryDelete(temp)) _journal?.Gone(Url, tempPath);
            if (e is OperationCanceledException) throw;
            throw new BackupStoreException($"cannot write {path} in backupstore {Url}: {e.Message}", e);
        }
    }

    public ValueTask<IReadOnlyList<string>> ListAsync(string path, CancellationToken cancellationToken) =>
        ListLocal(path, local => Directory.EnumerateFileSystemEntries(local)
            .Select(Path.GetFileName)
            .OfType<string>()
            .Where(n => !n.StartsWith('.'))
            .Order(StringComparer.Ordinal)
            .ToList());

    /// <summary>
    /// One directory read per name, roughly (blocks spread over <c>xx/yy</c> folders of a few files each): listing a tree
    /// costs about what asking for each of its files does, so callers list only where they would ask for more.
    /// </summary>
    public int TreePageSize => 1;

    /// <summary>
    /// The files below <paramref name="path"/> (names relative to it, hidden files and folders left out). A block tree
    /// holds a folder per file or two, so its first-level folders are walked in parallel: the walk is directory reads.
    /// </summary>
    public ValueTask<IReadOnlyList<string>> ListTreeAsync(string path, CancellationToken cancellationToken) =>
        ListLocal(path, local =>
        {
            var top = new DirectoryInfo(local).EnumerateFileSystemInfos("*", new EnumerationOptions { AttributesToSkip = 0 })
                .Where(entry => !entry.Name.StartsWith('.'))
                .ToList();
            var files = top.OfType<FileInfo>().Select(file => file.Name).ToList();
            var folders = top.OfType<DirectoryInfo>().ToList();
            Parallel.ForEach(folders, new ParallelOptions { MaxDegreeOfParallelism = TreeWalkers, CancellationToken = cancellationToken }, () => new List<string>(),
                (folder, _, found) =>
                {
                    found.AddRange(FilesBelow(folder.FullName, Path.TrimEndingDirectorySeparator(local).Length + 1));
                    return found;
                },
                found =>
                {
                    lock (files) files.AddRange(found);
                });
            return files;
        });

    /// <summary>Folders of a tree walked at once: directory reads wait on the disk as much as they use a core.</summary>
    private static readonly int TreeWalkers = Math.Max(4, Environment.ProcessorCount * 2);

    /// <summary>Every file below a folder, recursively, named from <paramref name="nameStart"/> of its full path with '/'.</summary>
    private static IEnumerable<string> FilesBelow(string folder, int nameStart) =>
        new FileSystemEnumerable<string>(folder,
            (ref FileSystemEntry entry) => entry.ToFullPath()[nameStart..].Replace(Path.DirectorySeparatorChar, '/'),
            new EnumerationOptions { RecurseSubdirectories = true, AttributesToSkip = 0 })
        {
            ShouldIncludePredicate = (ref FileSystemEntry entry) => !entry.IsDirectory && !entry.FileName.StartsWith('.'),
            ShouldRecursePredicate = (ref FileSystemEntry entry) => !entry.FileName.StartsWith('.'),
        };

    /// <summary>A listing of a local directory: empty when it is missing (or goes meanwhile), a store error otherwise.</summary>
    private ValueTask<IReadOnlyList<string>> ListLocal(string path, Func<string, List<string>> list)
    {
        var local = Local(path);
        if (!Directory.Exists(local)) return ValueTask.FromResult<IReadOnlyList<string>>([]);
        try
        {
            return ValueTask.FromResult<IReadOnlyList<string>>(list(local));
        }
        catch (DirectoryNotFoundException)
        {
            return ValueTask.FromResult<IReadOnlyList<string>>([]);
        }
        catch (IOException e)
        {
            throw new BackupStoreException($"cannot list {path} in backupstore {Url}: {e.Message}", e);
        }
    }

    public ValueTask RemoveAsync(string path, CancellationToken cancellationToken)
    {
        var local = Local(path.TrimEnd('/'));
        try
        {
            if (Directory.Exists(local)) Directory.Delete(local, recursive: true);
            else File.Delete(local);
            PruneEmptyParents(Path.GetDirectoryName(local));
        }
        catch (DirectoryNotFoundException)
        {
            // Already gone: "rm -rf" semantics.
        }
        catch (IOException e)
        {
            throw new BackupStoreException($"cannot remove {path} in backupstore {Url}: {e.Message}", e);
        }
        return ValueTask.CompletedTask;
    }

    public async ValueTask UploadAsync(string localPath, string path, CancellationToken cancellationToken)
    {
        var local = Local(path);
        var tempPath = TempName(path);
        var temp = Local(tempPath);
        _journal?.Writing(Url, tempPath);
        try
        {
            CreateParent(local);
            await using (var source = new FileStream(localPath, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 20, true))
            await using (var target = new FileStream(temp, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 20, true))
            {
                await source.CopyToAsync(target, cancellationToken).ConfigureAwait(false);
            }
            File.Move(temp, local, overwrite: true);
            _journal?.Gone(Url, tempPath);
        }
        catch (Exception e)
        {
            if (TryDelete(temp)) _journal?.Gone(Url, tempPath);
            if (e is OperationCanceledException) throw;
            throw new BackupStoreException($"cannot upload {localPath} to {path} in backupstore {Url}: {e.Message}", e);
        }
    }

    public async ValueTask DownloadAsync(string path, string localPath, CancellationToken cancellationToken)
    {
        await using var source = await ReadAsync(path, cancellationToken).ConfigureAwait(false);
        await using var target = new FileStream(localPath, FileMode.Create, FileAccess.Write, FileShare.None, 1 << 20, true);
        await source.CopyToAsync(target, cancellationToken).ConfigureAwait(false);
    }

    private string Local(string path)
    {
        var full = Path.GetFullPath(Path.Combine(_root, path));
        // Store paths are built from validated names, but never let one escape the root.
        if (full != _root && !full.StartsWith(_root + Path.DirectorySeparatorChar, StringComparison.Ordinal))
            throw new BackupStoreArgumentException($"path {path} escapes the backupstore root {_root}");
        return full;
    }

    private static string TempName(string path) =>
        $"{path}{TempInfix}{(DateTime.UtcNow.Ticks - DateTime.UnixEpoch.Ticks) * 100}{Environment.CurrentManagedThreadId}";

    /// <summary>Whether a file name is one of this driver's temp files (<c>&lt;name&gt;.tmp.&lt;n&gt;</c>), left behind only by a killed writer or one still writing.</summary>
    public static bool IsTempName(string name) => name.Contains(TempInfix, StringComparison.Ordinal);

    private static void CreateParent(string local)
    {
        var parent = Path.GetDirectoryName(local)!;
        if (!Directory.Exists(parent))
            Directory.CreateDirectory(parent, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
    }

    private void PruneEmptyParents(string? directory)
    {
        for (var i = 0; i < MaxPrunedParents && directory is not null; i++)
        {
            if (directory.EndsWith("backupstore", StringComparison.Ordinal) || directory.Length <= _root.Length) return;
            try
            {
                if (Directory.EnumerateFileSystemEntries(directory).Any()) return;
                Directory.Delete(directory);
            }
            catch (IOException)
            {
                return; // Not empty any more, or already gone: either way stop pruning.
            }
            directory = Path.GetDirectoryName(directory);
        }
    }

    private static bool TryDelete(string path)
    {
        try
        {
            File.Delete(path);
            return true;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            Debug.WriteLine($"leaving temp file {path}: {e.Message}");
            return false;
        }
    }
}
