namespace Longhorn.Functions.ControlPlane.RecurringJobs;

/// <summary>A recurring job as a user writes it (RecurringJobSpec flattened, plus resourceVersion for optimistic updates).</summary>
public sealed class RecurringJobRequest
{
    public string? Name { get; set; }
    public List<string>? Groups { get; set; }
    public string? Task { get; set; }
    public string? Cron { get; set; }
    public int Retain { get; set; }
    public string? RetainAge { get; set; }
    public string? RetentionPolicy { get; set; }
    public int Concurrency { get; set; }
    public Dictionary<string, string>? Labels { get; set; }
    public Dictionary<string, string>? Parameters { get; set; }
    public string? ResourceVersion { get; set; }
}
