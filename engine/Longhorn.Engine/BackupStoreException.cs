namespace Longhorn.Engine;

/// <summary>A backupstore operation failed for a reason the user can act on; the message names the object.</summary>
public class BackupStoreException : Exception
{
    public BackupStoreException(string message) : base(message) { }
    public BackupStoreException(string message, Exception inner) : base(message, inner) { }
}

/// <summary>A store object, volume or backup that the operation needs does not exist.</summary>
public sealed class BackupStoreNotFoundException : BackupStoreException
{
    public BackupStoreNotFoundException(string message) : base(message) { }
    public BackupStoreNotFoundException(string message, Exception inner) : base(message, inner) { }
}

/// <summary>The backup's cfg exists but has no CreatedTime yet: a backup still being written, here or by another writer.</summary>
public sealed class BackupStoreInProgressException : BackupStoreException
{
    public BackupStoreInProgressException(string message) : base(message) { }
}

/// <summary>A store object exists but cannot be trusted: malformed JSON, wrong field types, or content that does not match its name.</summary>
public sealed class BackupStoreCorruptException : BackupStoreException
{
    /// <summary>The object decoded but its content does not hash to its name; retrying cannot help.</summary>
    public bool IsChecksumMismatch { get; init; }

    public BackupStoreCorruptException(string message) : base(message) { }
    public BackupStoreCorruptException(string message, Exception inner) : base(message, inner) { }
}

/// <summary>The request itself is invalid (a name, a size, a URL); nothing was written.</summary>
public sealed class BackupStoreArgumentException : BackupStoreException
{
    public BackupStoreArgumentException(string message) : base(message) { }
}

/// <summary>Another operation holds a conflicting lock on the backup volume (Longhorn's lock rules).</summary>
public sealed class BackupStoreLockException : BackupStoreException
{
    public BackupStoreLockException(string message) : base(message) { }
}

/// <summary>A snapshot diff was asked against a snapshot that is not an ancestor of the one being read.</summary>
public sealed class SnapshotNotInChainException : BackupStoreException
{
    public SnapshotNotInChainException(string snapshotName) : base($"failed to find snapshot {snapshotName} in chain") { }
}
