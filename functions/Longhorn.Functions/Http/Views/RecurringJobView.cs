using Longhorn.Functions.Resources;

namespace Longhorn.Functions.Http.Views;

/// <summary>A recurring job: its spec flattened, plus executionCount and ownerID.</summary>
public sealed record RecurringJobView(
    string Name, IReadOnlyList<string> Groups, string Task, string Cron, int Retain, string RetainAge, string RetentionPolicy, int Concurrency,
    IReadOnlyDictionary<string, string> Labels, IReadOnlyDictionary<string, string> Parameters, int ExecutionCount, string OwnerID, string ResourceVersion)
{
    public static RecurringJobView From(RecurringJob j) => new(
        j.Name, j.Spec.Groups, j.Spec.Task, j.Spec.Cron, j.Spec.Retain, j.Spec.RetainAge, j.Spec.RetentionPolicy, j.Spec.Concurrency, j.Spec.Labels,
        j.Spec.Parameters, j.Status.ExecutionCount, j.Status.OwnerID, j.Metadata.ResourceVersion);
}
