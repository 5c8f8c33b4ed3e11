using Longhorn.Functions.ControlPlane.Work;
using Longhorn.Functions.Resources;
using Microsoft.Extensions.Options;

namespace Longhorn.Functions.ControlPlane.Settings;

/// <summary>
/// Before the host serves: applies configured Longhorn settings, creates or updates the <c>default</c> backup target
/// from the host's settings (Longhorn's default-resource), resumes or fails orphaned work, and queues a first sync.
/// </summary>
public sealed class ControlPlaneStartup(IResourceStore store, LonghornSettings settings, WorkReconciler reconciler, WorkQueue work,
    IOptions<LonghornOptions> options, ILogger<ControlPlaneStartup> logger) : IHostedService
{
    private readonly LonghornOptions _options = options.Value;

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        foreach (var (name, value) in _options.Settings)
        {
            try
            {
                await settings.SetAsync(name, value, cancellationToken).ConfigureAwait(false);
            }
            catch (ControlPlaneException e)
            {
                throw new InvalidOperationException($"configured setting {LonghornOptions.Section}:Settings:{name}: {e.Message}", e);
            }
        }
        await settings.EnsureAllAsync(cancellationToken).ConfigureAwait(false);
        await EnsureDefaultTargetAsync(cancellationToken).ConfigureAwait(false);
        await reconciler.ReconcileAsync(cancellationToken).ConfigureAwait(false);
        foreach (var target in await store.ListAsync<BackupTarget>(null, cancellationToken).ConfigureAwait(false))
            work.Enqueue(WorkKind.SyncBackupTarget, target.Name);
        logger.LogInformation("Control plane ready: data in {DataDir}, default backup target {Url}", _options.FullDataDir, _options.BackupTarget);
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    /// <summary>Like Longhorn's default-resource ConfigMap: the settings win whenever they change, user edits otherwise stay.</summary>
    private async Task EnsureDefaultTargetAsync(CancellationToken cancellationToken)
    {
        var spec = new BackupTargetSpec
        {
            BackupTargetURL = _options.BackupTarget,
            CredentialSecret = _options.BackupTargetCredentialSecret,
            PollInterval = _options.BackupstorePollInterval,
        };
        var applied = $"{spec.BackupTargetURL}|{spec.CredentialSecret}|{spec.PollInterval}";
        var existing = await store.GetAsync<BackupTarget>(BackupTarget.DefaultName, cancellationToken).ConfigureAwait(false);
        if (existing is null)
        {
            await store.CreateAsync(new BackupTarget
            {
                Metadata = new ObjectMeta
                {
                    Name = BackupTarget.DefaultName,
                    Finalizers = [LonghornLabels.Finalizer],
                    Annotations = new Dictionary<string, string> { [LonghornLabels.LastAppliedDefaultResource] = applied },
                },
                Spec = spec,
            }, cancellationToken).ConfigureAwait(false);
            return;
        }
        if (existing.Metadata.Annotations.GetValueOrDefault(LonghornLabels.LastAppliedDefaultResource) == applied) return;
        await store.MutateAsync<BackupTarget>(BackupTarget.DefaultName, t => t with
        {
            Metadata = t.Metadata with
            {
                Annotations = new Dictionary<string, string>(t.Metadata.Annotations) { [LonghornLabels.LastAppliedDefaultResource] = applied },
            },
            Spec = spec with { SyncRequestedAt = t.Spec.SyncRequestedAt },
        }, cancellationToken).ConfigureAwait(false);
    }
}
