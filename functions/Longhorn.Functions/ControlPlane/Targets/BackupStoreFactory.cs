using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text;
using Longhorn.Engine;
using Longhorn.Engine.Locks;
using Longhorn.Engine.Store;
using Longhorn.Engine.Store.S3;
using Longhorn.Functions.ControlPlane.Settings;
using Longhorn.Functions.Resources;
using Microsoft.Extensions.Options;

namespace Longhorn.Functions.ControlPlane.Targets;

/// <summary>
/// Opens the engine's store (vfs, nfs, cifs or s3, by scheme) for a BackupTarget: its URL, its credential secret, the
/// host's lock and retry timings. One store per target is kept and reused by every operation (an S3 store holds an HTTP
/// client and its connections); a new one is made when the URL, the secret's values or the store settings change.
/// </summary>
public sealed class BackupStoreFactory(IResourceStore store, LonghornSettings settings, IOptions<LonghornOptions> options, TimeProvider time,
    StoreFileJournal journal, ILoggerFactory loggers) : IDisposable
{
    private readonly LonghornOptions _options = options.Value;
    private readonly ConcurrentDictionary<string, (string Fingerprint, BackupStore Store)> _stores = new(StringComparer.Ordinal);

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
        // The host's own lock and temp files are journaled, so a restart removes what a killed run left (LeftoverStoreFiles).
        var files = journal.For(target.Name);
        var storeOptions = new BackupStoreOptions
        {
            Locks = new LockOptions { SettleTime = TimeSpan.FromSeconds(_options.LockSettleTimeSeconds), FileJournal = files },
            BackupConcurrency = await settings.GetIntAsync(SettingDefinitions.BackupConcurrentLimit, cancellationToken).ConfigureAwait(false),
            RestoreConcurrency = await settings.GetIntAsync(SettingDefinitions.RestoreConcurrentLimit, cancellationToken).ConfigureAwait(false),
            RestoreRetryDelays = _options.RestoreRetryDelays,
        };
        var fingerprint = Fingerprint(target.Spec.BackupTargetURL, credentials, storeOptions);
        if (_stores.TryGetValue(target.Name, out var known) && known.Fingerprint == fingerprint) return known.Store;

        // Every S3 retry is logged with its key (as README says): the engine driver gets the host's logger.
        var drivers = new BackupStoreDrivers(new BackupStoreDriverOptions { MountRoot = _options.MountRoot, FileJournal = files })
            .AddS3(logger: loggers.CreateLogger("Longhorn.Engine.S3"));
        var opened = new BackupStore(drivers.Create(target.Spec.BackupTargetURL, credentials), storeOptions, time, loggers.CreateLogger<BackupStore>());
        // A store replaced here is not disposed: an operation may still be using it; it goes when nothing refers to it.
        _stores[target.Name] = (fingerprint, opened);
        return opened;
    }

    public void Dispose()
    {
        foreach (var (_, opened) in _stores.Values) (opened.Driver as IDisposable)?.Dispose();
        _stores.Clear();
    }

    /// <summary>What the store depends on, hashed (the secret's values are not kept in the clear as a key).</summary>
    private static string Fingerprint(string url, IReadOnlyDictionary<string, string> credentials, BackupStoreOptions options)
    {
        var text = new StringBuilder(url).Append('\n');
        foreach (var (key, value) in credentials.OrderBy(c => c.Key, StringComparer.Ordinal)) text.Append(key).Append('=').Append(value).Append('\n');
        text.Append(options.BackupConcurrency).Append('/').Append(options.RestoreConcurrency).Append('/').Append(options.Locks.SettleTime.Ticks)
            .Append('/').Append(string.Join(',', options.RestoreRetryDelays.Select(d => d.Ticks)));
        return Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(text.ToString())));
    }
}
