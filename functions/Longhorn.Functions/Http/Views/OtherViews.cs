using Longhorn.Functions.ControlPlane.Settings;
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

/// <summary>A recurring job: its spec flattened, plus executionCount and ownerID.</summary>
public sealed record RecurringJobView(
    string Name, IReadOnlyList<string> Groups, string Task, string Cron, int Retain, string RetainAge, string RetentionPolicy, int Concurrency,
    IReadOnlyDictionary<string, string> Labels, IReadOnlyDictionary<string, string> Parameters, int ExecutionCount, string OwnerID, string ResourceVersion)
{
    public static RecurringJobView From(RecurringJob j) => new(
        j.Name, j.Spec.Groups, j.Spec.Task, j.Spec.Cron, j.Spec.Retain, j.Spec.RetainAge, j.Spec.RetentionPolicy, j.Spec.Concurrency, j.Spec.Labels,
        j.Spec.Parameters, j.Status.ExecutionCount, j.Status.OwnerID, j.Metadata.ResourceVersion);
}

/// <summary>A Longhorn setting with its default and meaning.</summary>
public sealed record SettingView(string Name, string Value, string Default, string Description)
{
    public static SettingView From(Setting s)
    {
        var definition = SettingDefinitions.Find(s.Name);
        return new(s.Name, s.Value, definition?.Default ?? "", definition?.Description ?? "");
    }
}

/// <summary>A storage class and its parameters.</summary>
public sealed record StorageClassView(string Name, string Provisioner, IReadOnlyDictionary<string, string> Parameters, string ResourceVersion)
{
    public static StorageClassView From(StorageClass s) => new(s.Name, s.Provisioner, s.Parameters, s.Metadata.ResourceVersion);
}
