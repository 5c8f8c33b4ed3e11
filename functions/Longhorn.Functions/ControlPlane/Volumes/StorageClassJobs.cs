using Longhorn.Functions.Resources;

namespace Longhorn.Functions.ControlPlane.Volumes;

/// <summary>The recurring jobs a new volume joins: its storage class's job selector or old-format jobs, else the default group.</summary>
public sealed class StorageClassJobs(IResourceStore store)
{
    /// <summary>The volume's own labels plus its storage class's job labels (old-format jobs are created as RecurringJobs), else the default group.</summary>
    public async Task<IReadOnlyDictionary<string, string>> LabelsAsync(string? storageClassName, IReadOnlyDictionary<string, string> own,
        CancellationToken cancellationToken)
    {
        var labels = new Dictionary<string, string>(own, StringComparer.Ordinal);
        if (!string.IsNullOrEmpty(storageClassName))
        {
            foreach (var (key, value) in await FromStorageClassAsync(storageClassName, cancellationToken).ConfigureAwait(false))
                labels[key] = value;
        }
        AddDefaultGroupIfUnlabelled(labels);
        return labels;
    }

    /// <summary>Volumes with no job or group label join the <c>default</c> group (FixupRecurringJob).</summary>
    private static void AddDefaultGroupIfUnlabelled(IDictionary<string, string> labels)
    {
        if (!labels.Keys.Any(k => k.StartsWith(LonghornLabels.RecurringJobPrefix, StringComparison.Ordinal)
                                  || k.StartsWith(LonghornLabels.RecurringJobGroupPrefix, StringComparison.Ordinal)))
            labels[LonghornLabels.RecurringJobGroupPrefix + LonghornLabels.DefaultGroup] = LonghornLabels.Enabled;
    }

    private async Task<IReadOnlyDictionary<string, string>> FromStorageClassAsync(string storageClassName, CancellationToken cancellationToken)
    {
        var storageClass = await store.GetAsync<StorageClass>(storageClassName, cancellationToken).ConfigureAwait(false)
                           ?? throw ControlPlaneException.NotFound("storageClassName", $"storage class {storageClassName} not found");
        var labels = new Dictionary<string, string>(StringComparer.Ordinal);
        if (storageClass.Parameters.TryGetValue(LegacyRecurringJobs.RecurringJobsParameter, out var legacy))
        {
            foreach (var spec in LegacyRecurringJobs.Parse(legacy, "storageClassName"))
            {
                if (await store.GetAsync<RecurringJob>(spec.Name, cancellationToken).ConfigureAwait(false) is null)
                {
                    try
                    {
                        await store.CreateAsync(new RecurringJob
                        {
                            Metadata = new ObjectMeta { Name = spec.Name, Finalizers = [LonghornLabels.Finalizer] },
                            Spec = spec,
                        }, cancellationToken).ConfigureAwait(false);
                    }
                    catch (ResourceConflictException)
                    {
                    }
                }
                labels[LonghornLabels.RecurringJobPrefix + spec.Name] = LonghornLabels.Enabled;
            }
        }
        if (storageClass.Parameters.TryGetValue(LegacyRecurringJobs.SelectorParameter, out var selector))
        {
            foreach (var (key, value) in LegacyRecurringJobs.ParseSelector(selector, "storageClassName")) labels[key] = value;
        }
        return labels;
    }

}
