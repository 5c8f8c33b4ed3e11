namespace Longhorn.Engine.Store;

/// <summary>
/// Told of each file the engine writes that only its writer may remove (its lock files, the filesystem driver's temp
/// files), before the file can appear and after it is gone, so a writer killed in between can remove, at its next start,
/// exactly what it left and never another writer's file.
/// </summary>
public interface IStoreFileJournal
{
    /// <summary>Called before the file is first written; the record must outlive the process once this returns.</summary>
    void Writing(string storeUrl, string path);

    /// <summary>Called once the file is gone: removed, or renamed into place.</summary>
    void Gone(string storeUrl, string path);
}
