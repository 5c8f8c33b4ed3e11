using Longhorn.Functions.ControlPlane.Settings;
using Longhorn.Functions.ControlPlane.Volumes;
using Longhorn.Functions.Resources;

namespace Longhorn.Functions.ControlPlane.RecurringJobs;

/// <summary>Recurring jobs and storage classes: Longhorn's defaults (mutator) and validation (validator), spec §4.1.</summary>
public sealed class RecurringJobService(IResourceStore store, LonghornSettings settings)
{
    public const int MaxNameLength = 40;

    public Task<IReadOnlyList<RecurringJob>> ListAsync(CancellationToken cancellationToken) => store.ListAsync<RecurringJob>(null, cancellationToken);

    public async Task<RecurringJob> GetAsync(string name, CancellationToken cancellationToken) =>
        await store.GetAsync<RecurringJob>(name, cancellationToken).ConfigureAwait(false)
        ?? throw ControlPlaneException.NotFound("name", $"recurring job {name} not found");

    /// <summary>Creates a job (POST) or creates/replaces the named one (PUT); returns the job and whether it is new.</summary>
    public async Task<(RecurringJob Job, bool Created)> SaveAsync(string? routeName, RecurringJobRequest request, bool replace,
        CancellationToken cancellationToken)
    {
        if (routeName is not null && !string.IsNullOrEmpty(request.Name) && request.Name != routeName)
            throw ControlPlaneException.Invalid("name", $"name {request.Name} differs from the job {routeName} in the URL");
        var spec = await ValidateAsync(Mutate(routeName ?? request.Name, request), cancellationToken).ConfigureAwait(false);
        var existing = await store.GetAsync<RecurringJob>(spec.Name, cancellationToken).ConfigureAwait(false);
        if (existing is null)
        {
            var created = await store.CreateAsync(new RecurringJob
            {
                Metadata = new ObjectMeta { Name = spec.Name, Finalizers = [LonghornLabels.Finalizer] },
                Spec = spec,
            }, cancellationToken).ConfigureAwait(false);
            return (created, true);
        }
        if (!replace) throw ControlPlaneException.Conflict("name", $"recurring job {spec.Name} already exists; PUT /api/recurringjobs/{spec.Name} to change it");
        var updated = await store.UpdateAsync(existing with
        {
            Metadata = existing.Metadata with { ResourceVersion = request.ResourceVersion ?? existing.Metadata.ResourceVersion },
            Spec = spec,
        }, cancellationToken).ConfigureAwait(false);
        return (updated!, false);
    }

    public async Task DeleteAsync(string name, CancellationToken cancellationToken)
    {
        await GetAsync(name, cancellationToken).ConfigureAwait(false);
        await store.DeleteAsync<RecurringJob>(name, cancellationToken).ConfigureAwait(false);
        await store.RemoveFinalizerAsync<RecurringJob>(name, LonghornLabels.Finalizer, cancellationToken).ConfigureAwait(false);
    }

    public async Task<StorageClass> PutStorageClassAsync(string name, string? provisioner, Dictionary<string, string>? parameters,
        CancellationToken cancellationToken)
    {
        ResourceNames.Validate(name, "name", 253);
        parameters ??= new Dictionary<string, string>();
        if (parameters.TryGetValue(LegacyRecurringJobs.RecurringJobsParameter, out var legacy))
            LegacyRecurringJobs.Parse(legacy, "parameters.recurringJobs");
        if (parameters.TryGetValue(LegacyRecurringJobs.SelectorParameter, out var selector))
            LegacyRecurringJobs.ParseSelector(selector, "parameters.recurringJobSelector");
        var storageClass = new StorageClass
        {
            Metadata = new ObjectMeta { Name = name, Namespace = "" },
            Provisioner = string.IsNullOrEmpty(provisioner) ? StorageClass.LonghornProvisioner : provisioner,
            Parameters = parameters,
        };
        var updated = await store.MutateAsync<StorageClass>(name, s => storageClass.WithMetadata(s.Metadata), cancellationToken).ConfigureAwait(false);
        return updated ?? await store.CreateAsync(storageClass, cancellationToken).ConfigureAwait(false);
    }

    public async Task<StorageClass> GetStorageClassAsync(string name, CancellationToken cancellationToken) =>
        await store.GetAsync<StorageClass>(name, cancellationToken).ConfigureAwait(false)
        ?? throw ControlPlaneException.NotFound("name", $"storage class {name} not found");

    /// <summary>The mutator: a lowercase name (auto-corrected past 40 characters; an uppercase one is refused), defaults, retain and retainAge by task.</summary>
    private static RecurringJobSpec Mutate(string? name, RecurringJobRequest request)
    {
        if (string.IsNullOrEmpty(name)) throw ControlPlaneException.Invalid("name", "name is required");
        // The API server would refuse such a name before Longhorn's mutator could lowercase it: refused here too, not rewritten.
        if (name.Any(char.IsUpper))
            throw ControlPlaneException.Invalid("name", $"name {name} is invalid: it must be lowercase (a Kubernetes object name); try {name.ToLowerInvariant()}");
        if (name.Length > MaxNameLength) name = name[..(MaxNameLength - 9)] + "-" + ResourceNames.ShortHash(name);
        var task = request.Task ?? throw ControlPlaneException.Invalid("task", "task is required");
        var retain = request.Retain;
        var retainAge = string.IsNullOrEmpty(request.RetainAge) ? "0s" : request.RetainAge;
        if (task is RecurringJobTasks.SnapshotCleanup or RecurringJobTasks.FilesystemTrim)
        {
            retain = 0;
            retainAge = "0s";
        }
        else if (task == RecurringJobTasks.SnapshotDelete)
        {
            retain = Math.Max(0, retain);
            retainAge = "0s";
        }
        else
        {
            retain = Math.Max(1, retain);
            if (GoDuration.TryParse(retainAge, out var age) && age <= TimeSpan.Zero) retainAge = "0s";
        }
        return new RecurringJobSpec
        {
            Name = name,
            Groups = request.Groups ?? [],
            Task = task,
            Cron = request.Cron ?? "",
            Retain = retain,
            RetainAge = retainAge,
            RetentionPolicy = string.IsNullOrEmpty(request.RetentionPolicy) ? RetentionPolicies.CountBased : request.RetentionPolicy,
            Concurrency = request.Concurrency == 0 ? RecurringJobSpec.DefaultConcurrency : request.Concurrency,
            Labels = request.Labels ?? new Dictionary<string, string>(),
            Parameters = request.Parameters ?? new Dictionary<string, string>(),
        };
    }

    /// <summary>The validator, with Longhorn's messages where it has them.</summary>
    private async Task<RecurringJobSpec> ValidateAsync(RecurringJobSpec spec, CancellationToken cancellationToken)
    {
        ResourceNames.Validate(spec.Name, "name", MaxNameLength);
        if (!RecurringJobTasks.All.Contains(spec.Task))
            throw ControlPlaneException.Invalid("task", $"task {spec.Task} is invalid: it must be one of {string.Join(", ", RecurringJobTasks.All)}");
        if (spec.Cron.Length == 0) throw ControlPlaneException.Invalid("cron", "cron is required");
        if (RecurringJobCron.TryParse(spec.Cron, out var cronError) is null) throw ControlPlaneException.Invalid("cron", cronError);
        foreach (var group in spec.Groups)
        {
            if (!ResourceNames.IsValidGroup(group))
                throw ControlPlaneException.Invalid("groups", $"group {group} is invalid: it must match ^[a-zA-Z0-9][a-zA-Z0-9_.-]+$");
        }
        ResourceNames.ValidateLabels(spec.Labels, "labels");
        if (spec.Concurrency < 1) throw ControlPlaneException.Invalid("concurrency", $"concurrency {spec.Concurrency} must be at least 1");
        var max = await settings.GetIntAsync(SettingDefinitions.RecurringJobMaxRetention, cancellationToken).ConfigureAwait(false);
        if (spec.Retain > max) throw ControlPlaneException.Invalid("retain", $"retain value should be less than or equal to {max}");
        if (spec.RetentionPolicy is not (RetentionPolicies.CountBased or RetentionPolicies.AgeBased))
            throw ControlPlaneException.Invalid("retentionPolicy", $"retentionPolicy {spec.RetentionPolicy} is invalid: it must be count-based or age-based");
        if (!GoDuration.TryParse(spec.RetainAge, out var retainAge))
            throw ControlPlaneException.Invalid("retainAge", $"retainAge {spec.RetainAge} is not a duration such as 24h or 90m");
        if (retainAge < TimeSpan.Zero) throw ControlPlaneException.Invalid("retainAge", $"retainAge {spec.RetainAge} must not be negative");
        if (RecurringJobTasks.IsCleanup(spec.Task))
        {
            if (spec.RetentionPolicy == RetentionPolicies.AgeBased)
                throw ControlPlaneException.Invalid("retentionPolicy", $"retentionPolicy age-based is not allowed for task {spec.Task}");
        }
        else if (spec.RetentionPolicy == RetentionPolicies.CountBased && spec.Retain <= 0)
            throw ControlPlaneException.Invalid("retain", "retain must be greater than 0 for count-based retention");
        if (RecurringJobTasks.IsBackup(spec.Task))
        {
            foreach (var (key, value) in spec.Parameters)
            {
                var ok = key switch
                {
                    "full-backup-interval" => int.TryParse(value, out var n) && n >= 0,
                    "volume-backup-policy" => value is "always" or "if-not-present" or "disabled",
                    _ => false,
                };
                if (!ok) throw ControlPlaneException.Invalid("parameters", $"parameter {key}={value} is invalid for task {spec.Task}");
            }
        }
        return spec;
    }
}
