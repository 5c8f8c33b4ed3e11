namespace Longhorn.Engine.Locks;

/// <summary>Longhorn's lock types: backups and restores share type 1 and coexist; deletion (2) excludes them.</summary>
internal enum LockType
{
    Untyped = 0,
    BackupOrRestore = 1,
    Deletion = 2,
}
