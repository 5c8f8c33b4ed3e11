using Longhorn.Engine.Store;

namespace Longhorn.Engine.Locks;

/// <summary>Longhorn's lock timings (lock.go): 150 s expiry by file mtime, 60 s refresh, 2 s settle.</summary>
public sealed record LockOptions
{
    public TimeSpan Duration { get; init; } = TimeSpan.FromSeconds(150);
    public TimeSpan RefreshInterval { get; init; } = TimeSpan.FromSeconds(60);
    public TimeSpan SettleTime { get; init; } = TimeSpan.FromSeconds(2);

    /// <summary>Records each lock file before it is written and once it is removed, so a killed writer can remove its own.</summary>
    public IStoreFileJournal? FileJournal { get; init; }
}
