namespace Longhorn.Engine.Store;

/// <summary>
/// Longhorn's backupstore driver interface: a few verbs on relative paths beginning <c>backupstore/</c>.
/// Every store (filesystem, NFS, CIFS, S3) is just these verbs; everything clever lives above them.
/// </summary>
public interface IBackupStoreDriver
{
    /// <summary>The normalised target URL (Go's GetURL).</summary>
    string Url { get; }

    /// <summary>Whether a regular file (object) exists at the path; directories do not count.</summary>
    ValueTask<bool> FileExistsAsync(string path, CancellationToken cancellationToken);

    /// <summary>The object's size in bytes, or -1 when it is absent or a directory.</summary>
    ValueTask<long> FileSizeAsync(string path, CancellationToken cancellationToken);

    /// <summary>The object's modification time (UTC), or null when it is absent.</summary>
    ValueTask<DateTimeOffset?> FileTimeAsync(string path, CancellationToken cancellationToken);

    /// <summary>Opens the object for reading; throws <see cref="BackupStoreNotFoundException"/> when it is absent.</summary>
    ValueTask<Stream> ReadAsync(string path, CancellationToken cancellationToken);

    /// <summary>Writes the whole object atomically: a reader sees the old content or the new, never a part.</summary>
    ValueTask WriteAsync(string path, ReadOnlyMemory<byte> data, CancellationToken cancellationToken);

    /// <summary>Names one level below the directory (files and subdirectories), sorted; empty when it is missing.</summary>
    ValueTask<IReadOnlyList<string>> ListAsync(string path, CancellationToken cancellationToken);

    /// <summary>Removes the object or the whole directory ("rm -rf"); a missing path is not an error.</summary>
    ValueTask RemoveAsync(string path, CancellationToken cancellationToken);

    /// <summary>Copies a local file to the store atomically (large files such as system-backup bundles).</summary>
    ValueTask UploadAsync(string localPath, string path, CancellationToken cancellationToken);

    /// <summary>Copies an object to a local file.</summary>
    ValueTask DownloadAsync(string path, string localPath, CancellationToken cancellationToken);
}
