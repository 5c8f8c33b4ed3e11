using System.Collections.Concurrent;
using Longhorn.Functions.Resources;

namespace Longhorn.Functions.ControlPlane.Targets;

/// <summary>
/// When each target is due for its poll: <c>pollInterval</c> after its last sync or its last poll, whichever is later, so a
/// failing target is retried at its interval like a healthy one is polled (not at every tick of the timer).
/// </summary>
public sealed class TargetPolls
{
    private readonly ConcurrentDictionary<string, DateTimeOffset> _polled = new(StringComparer.Ordinal);

    /// <summary>Whether the target is due now; a due target counts as polled from now on.</summary>
    public bool IsDue(BackupTarget target, DateTimeOffset now)
    {
        if (target.IsDeleting || target.Spec.PollInterval <= 0) return false;
        var interval = TimeSpan.FromSeconds(target.Spec.PollInterval);
        var last = target.Status.LastSyncedAt ?? DateTimeOffset.MinValue;
        if (_polled.TryGetValue(target.Name, out var polled) && polled > last) last = polled;
        if (last != DateTimeOffset.MinValue && now - last < interval) return false;
        _polled[target.Name] = now;
        return true;
    }
}
