using Longhorn.Functions.Resources;

namespace Longhorn.Functions.Http.Views;

/// <summary>A snapshot as the API shows it (Longhorn's snapshotCR fields).</summary>
public sealed record SnapshotView(
    string Name, string Volume, string Parent, IReadOnlyList<string> Children, bool MarkRemoved, bool UserCreated, string CreationTime,
    string CrCreationTime, IReadOnlyDictionary<string, string> Labels, bool ReadyToUse, string ResourceVersion)
{
    public static SnapshotView From(Snapshot s) => new(
        s.Name, s.Spec.Volume, s.Status.Parent, s.Status.Children.Keys.Order(StringComparer.Ordinal).ToList(), s.Status.MarkRemoved,
        s.Status.UserCreated, s.Status.CreationTime, s.Metadata.CreationTimestamp?.ToString("O") ?? "",
        s.Status.Labels.Count > 0 ? s.Status.Labels : s.Spec.Labels, s.Status.ReadyToUse, s.Metadata.ResourceVersion);
}
