using Longhorn.Engine.Store;

namespace Longhorn.Engine.Tests.Support;

/// <summary>A store-file journal that records what the engine tells it, and whether the file existed when recorded.</summary>
public sealed class RecordingJournal(string root) : IStoreFileJournal
{
    private readonly Lock _gate = new();

    /// <summary>The store's local root, where a recorded path is looked up.</summary>
    public string Root { get; set; } = root;

    public List<(string Url, string Path, bool ExistedWhenRecorded)> Written { get; } = [];
    public List<string> Gone { get; } = [];

    void IStoreFileJournal.Writing(string storeUrl, string path)
    {
        lock (_gate) Written.Add((storeUrl, path, File.Exists(System.IO.Path.Combine(Root, path))));
    }

    void IStoreFileJournal.Gone(string storeUrl, string path)
    {
        lock (_gate) Gone.Add(path);
    }
}
