using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Longhorn.Functions.ControlPlane.RecurringJobs;
using Longhorn.Functions.ControlPlane.Settings;
using Longhorn.Functions.ControlPlane.SystemBackups;
using Longhorn.Functions.ControlPlane.Targets;
using Longhorn.Functions.ControlPlane.Volumes;
using Longhorn.Functions.Resources;

namespace Longhorn.Functions.ControlPlane.SystemRestores;

/// <summary>
/// The host's own cluster as a restore sink: Longhorn kinds and storage classes go through the services that
/// validate them (a volume is created, never changed; an existing backup target is left as it is), everything else
/// into the <see cref="ClusterObjectTable"/>.
/// </summary>
public sealed class ResourceClusterObjectSink(IResourceStore store, LonghornSettings settings, RecurringJobService jobs, VolumeService volumes,
    BackupTargetService targets, ClusterObjectTable table) : IClusterObjectSink
{
    public async Task ApplyAsync(JsonObject item, CancellationToken cancellationToken)
    {
        var (apiVersion, kind, _, name) = KubernetesObjects.Identity(item);
        switch (apiVersion, kind)
        {
            case (Resource.LonghornApiVersion, "Setting"):
                if (SettingDefinitions.Find(name) is not null)
                    await settings.SetAsync(name, (string?)item["value"] ?? "", cancellationToken).ConfigureAwait(false);
                return;
            case (Resource.LonghornApiVersion, "RecurringJob"):
            {
                var spec = item["spec"]?.Deserialize<RecurringJobSpec>(Resources.Json.Options) ?? new RecurringJobSpec();
                await jobs.SaveAsync(name, new RecurringJobRequest
                {
                    Name = name, Groups = spec.Groups.ToList(), Task = spec.Task, Cron = spec.Cron, Retain = spec.Retain, RetainAge = spec.RetainAge,
                    RetentionPolicy = spec.RetentionPolicy, Concurrency = spec.Concurrency, Labels = spec.Labels.ToDictionary(),
                    Parameters = spec.Parameters.ToDictionary(),
                }, replace: true, cancellationToken).ConfigureAwait(false);
                return;
            }
            case ("storage.k8s.io/v1", "StorageClass"):
                await jobs.PutStorageClassAsync(name, (string?)item["provisioner"], KubernetesObjects.StringMap(item["parameters"]).ToDictionary(),
                    cancellationToken).ConfigureAwait(false);
                return;
            case (Resource.LonghornApiVersion, "BackupTarget"):
            {
                if (await store.GetAsync<BackupTarget>(name, cancellationToken).ConfigureAwait(false) is not null) return;
                var spec = item["spec"];
                await targets.PutAsync(name, new BackupTargetSpec
                {
                    BackupTargetURL = (string?)spec?["backupTargetURL"] ?? "",
                    CredentialSecret = (string?)spec?["credentialSecret"] ?? "",
                    PollInterval = ParseDuration((string?)spec?["pollInterval"]),
                }, null, cancellationToken).ConfigureAwait(false);
                return;
            }
            case (Resource.LonghornApiVersion, "Volume"):
            {
                if (await store.GetAsync<Volume>(name, cancellationToken).ConfigureAwait(false) is not null) return;
                var spec = item["spec"];
                var labels = KubernetesObjects.StringMap(item["metadata"]?["labels"])
                    .Where(l => l.Key is not (LonghornLabels.BackupTarget or LonghornLabels.BackupVolume)).ToDictionary();
                var fromBackup = (string?)spec?["fromBackup"] ?? "";
                await volumes.CreateAsync(new VolumeRequest
                {
                    Name = name,
                    Size = fromBackup.Length > 0 ? null : long.Parse((string?)spec?["size"] ?? spec?["size"]?.ToJsonString() ?? "0", CultureInfo.InvariantCulture),
                    Labels = labels,
                    BackupCompressionMethod = (string?)spec?["backupCompressionMethod"],
                    BackupBlockSize = fromBackup.Length > 0 ? null : (string?)spec?["backupBlockSize"],
                    BackupTargetName = fromBackup.Length > 0 ? null : (string?)spec?["backupTargetName"],
                    FromBackup = fromBackup.Length > 0 ? fromBackup : null,
                    Standby = (bool?)spec?["Standby"] ?? false,
                }, cancellationToken).ConfigureAwait(false);
                return;
            }
            default:
                await table.PutAsync(item, cancellationToken).ConfigureAwait(false);
                return;
        }
    }

    /// <summary>A metav1.Duration such as <c>5m0s</c> as seconds (300 when unreadable, Longhorn's default).</summary>
    private static long ParseDuration(string? text) =>
        GoDuration.TryParse(text ?? "", out var duration) ? (long)duration.TotalSeconds : 300;
}
