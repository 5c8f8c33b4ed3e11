using System.Text.Json;
using Longhorn.Functions.Resources;

namespace Longhorn.Functions.ControlPlane.Volumes;

/// <summary>
/// The pre-v1.2 StorageClass parameter <c>recurringJobs</c> (a JSON list of {name, task, cron, retain, labels}) and its
/// replacement <c>recurringJobSelector</c> ([{name, isGroup}]), turned into RecurringJob specs and volume labels.
/// </summary>
public static class LegacyRecurringJobs
{
    public const string RecurringJobsParameter = "recurringJobs";
    public const string SelectorParameter = "recurringJobSelector";

    private sealed record LegacyJob(string? Name, string? Task, string? Cron, int Retain, Dictionary<string, string>? Labels);

    private sealed record SelectorEntry(string? Name, bool IsGroup);

    /// <summary>The jobs of an old-format list, named as the upgrade names them: <c>&lt;task&gt;-&lt;retain&gt;-&lt;hash(cron)&gt;-&lt;hash(labels)&gt;</c>.</summary>
    public static IReadOnlyList<RecurringJobSpec> Parse(string json, string field)
    {
        List<LegacyJob>? jobs;
        try
        {
            jobs = JsonSerializer.Deserialize<List<LegacyJob>>(json, Resources.Json.Options);
        }
        catch (JsonException e)
        {
            throw ControlPlaneException.Invalid(field, $"{field} is not a JSON list of recurring jobs: {e.Message}");
        }
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var specs = new List<RecurringJobSpec>();
        foreach (var job in jobs ?? [])
        {
            if (string.IsNullOrEmpty(job.Name) || job.Name.Length > 8 || !seen.Add(job.Name))
                throw ControlPlaneException.Invalid(field, $"{field}: job name '{job.Name}' must be 1 to 8 characters and unique");
            if (job.Task is not (RecurringJobTasks.Snapshot or RecurringJobTasks.Backup))
                throw ControlPlaneException.Invalid(field, $"{field}: task '{job.Task}' of job {job.Name} must be snapshot or backup");
            if (RecurringJobCron.TryParse(job.Cron ?? "", out var error) is null) throw ControlPlaneException.Invalid(field, $"{field}: job {job.Name}: {error}");
            if (job.Retain < 1) throw ControlPlaneException.Invalid(field, $"{field}: retain of job {job.Name} must be at least 1");
            var labels = job.Labels ?? new Dictionary<string, string>();
            ResourceNames.ValidateLabels(labels, field);
            var labelsJson = JsonSerializer.Serialize(new SortedDictionary<string, string>(labels, StringComparer.Ordinal));
            specs.Add(new RecurringJobSpec
            {
                Name = $"{job.Task}-{job.Retain}-{ResourceNames.ShortHash(job.Cron!)}-{ResourceNames.ShortHash(labelsJson)}",
                Task = job.Task,
                Cron = job.Cron!,
                Retain = job.Retain,
                Labels = labels,
                Concurrency = RecurringJobSpec.DefaultConcurrency,
            });
        }
        return specs;
    }

    /// <summary>The volume labels a <c>recurringJobSelector</c> asks for.</summary>
    public static IReadOnlyDictionary<string, string> ParseSelector(string json, string field)
    {
        List<SelectorEntry>? entries;
        try
        {
            entries = JsonSerializer.Deserialize<List<SelectorEntry>>(json, Resources.Json.Options);
        }
        catch (JsonException e)
        {
            throw ControlPlaneException.Invalid(field, $"{field} is not a JSON list of {{name, isGroup}}: {e.Message}");
        }
        var labels = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var entry in entries ?? [])
        {
            if (string.IsNullOrEmpty(entry.Name)) throw ControlPlaneException.Invalid(field, $"{field}: an entry has no name");
            labels[(entry.IsGroup ? LonghornLabels.RecurringJobGroupPrefix : LonghornLabels.RecurringJobPrefix) + entry.Name] = LonghornLabels.Enabled;
        }
        return labels;
    }
}
