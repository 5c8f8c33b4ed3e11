using Longhorn.Engine;
using Longhorn.Engine.Locks;
using Longhorn.Engine.Store;
using Longhorn.Engine.Store.S3;
using Longhorn.Functions.ControlPlane.Settings;
using Longhorn.Functions.Resources;
using Microsoft.Extensions.Options;

namespace Longhorn.Functions.ControlPlane.Targets;

/// <summary>Opens the engine's store (vfs, nfs, cifs or s3, by scheme) for a BackupTarget: its URL, its credential secret, the host's lock and retry timings.</summary>
public sealed class BackupStoreFactory(IResourceStore store, LonghornSettings settings, IOptions<LonghornOptions> options, TimeProvider time,
    ILoggerFactory loggers)
{
    private readonly LonghornOptions _options = options.Value;

    public async Task<BackupStore> OpenAsync(BackupTarget target, CancellationToken cancellationToken)
    {
        var credentials = new Dictionary<string, string>(StringComparer.Ordinal);
        if (target.Spec.CredentialSecret.Length > 0)
        {
            var secret = await store.GetAsync<Secret>(target.Spec.CredentialSecret, cancellationToken).ConfigureAwait(false)
                         ?? throw new ControlPlaneException(Problem.Unavailable,
                             $"backup target {target.Name} is not available: credential secret {target.Spec.CredentialSecret} not found");
            foreach (var (key, value) in secret.Data) credentials[key] = value;
        }
        // Every S3 retry is logged with its key (as README says): the engine driver gets the host's logger.
        var drivers = new BackupStoreDrivers(new BackupStoreDriverOptions { MountRoot = _options.MountRoot })
            .AddS3(logger: loggers.CreateLogger("Longhorn.Engine.S3"));
        var driver = drivers.Create(target.Spec.BackupTargetURL, credentials);
        var options = new BackupStoreOptions
        {
            Locks = new LockOptions { SettleTime = TimeSpan.FromSeconds(_options.LockSettleTimeSeconds) },
            BackupConcurrency = await settings.GetIntAsync(SettingDefinitions.BackupConcurrentLimit, cancellationToken).ConfigureAwait(false),
            RestoreConcurrency = await settings.GetIntAsync(SettingDefinitions.RestoreConcurrentLimit, cancellationToken).ConfigureAwait(false),
            RestoreRetryDelays = _options.RestoreRetryDelays,
        };
        return new BackupStore(driver, options, time, loggers.CreateLogger<BackupStore>());
    }
}
