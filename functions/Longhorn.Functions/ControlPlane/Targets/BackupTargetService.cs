using Longhorn.Functions.ControlPlane.Work;
using Longhorn.Functions.Resources;

namespace Longhorn.Functions.ControlPlane.Targets;

/// <summary>Backup targets and their secrets: validated writes, and sync requests (at most one per 10 s per target).</summary>
public sealed class BackupTargetService(IResourceStore store, WorkQueue work, TimeProvider time, Microsoft.Extensions.Options.IOptions<LonghornOptions> options)
{
    public static readonly TimeSpan MinSyncInterval = TimeSpan.FromSeconds(10);

    public Task<IReadOnlyList<BackupTarget>> ListAsync(CancellationToken cancellationToken) => store.ListAsync<BackupTarget>(null, cancellationToken);

    public async Task<BackupTarget> GetAsync(string name, CancellationToken cancellationToken) =>
        await store.GetAsync<BackupTarget>(name, cancellationToken).ConfigureAwait(false)
        ?? throw ControlPlaneException.NotFound("name", $"backup target {name} not found");

    /// <summary>Creates or updates a target; the store is probed and synced in the background. Returns the target and whether it is new.</summary>
    public async Task<(BackupTarget Target, bool Created)> PutAsync(string name, BackupTargetSpec spec, string? resourceVersion,
        CancellationToken cancellationToken, bool createOnly = false)
    {
        await ValidateAsync(name, spec, cancellationToken).ConfigureAwait(false);
        var existing = await store.GetAsync<BackupTarget>(name, cancellationToken).ConfigureAwait(false);
        if (existing is not null && createOnly) throw ControlPlaneException.Conflict("name", $"backup target {name} already exists");
        BackupTarget saved;
        if (existing is null)
        {
            saved = await store.CreateAsync(new BackupTarget
            {
                Metadata = new ObjectMeta { Name = name, Finalizers = [LonghornLabels.Finalizer] },
                Spec = spec with { SyncRequestedAt = time.GetUtcNow() },
            }, cancellationToken).ConfigureAwait(false);
        }
        else
        {
            var version = resourceVersion ?? existing.Metadata.ResourceVersion;
            saved = (await store.UpdateAsync(existing with
            {
                Metadata = existing.Metadata with { ResourceVersion = version },
                Spec = spec with { SyncRequestedAt = time.GetUtcNow() },
            }, cancellationToken).ConfigureAwait(false))!;
        }
        work.Enqueue(WorkKind.SyncBackupTarget, name);
        return (saved, existing is null);
    }

    /// <summary>Longhorn's webhook rules for a target's spec, on every write (the HTTP functions' PUT and the Kubernetes API's create, update and patch).</summary>
    public async Task ValidateAsync(string name, BackupTargetSpec spec, CancellationToken cancellationToken)
    {
        if (string.IsNullOrEmpty(name) || !System.Text.RegularExpressions.Regex.IsMatch(name, "^[a-z0-9][a-z0-9_.-]+$"))
            throw ControlPlaneException.Invalid("name", $"backup target name {name} is invalid: it must match ^[a-z0-9][a-z0-9_.-]+$");
        TargetUrls.Validate(spec.BackupTargetURL);
        TargetUrls.CheckVfsRoot(spec.BackupTargetURL, options.Value.VfsRoots);
        if (spec.PollInterval is < 0 or > GoDuration.MaxSeconds)
            throw ControlPlaneException.Invalid("pollInterval",
                $"pollInterval {spec.PollInterval} must be 0 (disabled) or a positive number of seconds up to {GoDuration.MaxSeconds} (a Go duration)");
        var scheme = TargetUrls.Scheme(spec.BackupTargetURL);
        if (spec.CredentialSecret.Length > 0)
        {
            if (await store.GetAsync<Secret>(spec.CredentialSecret, cancellationToken).ConfigureAwait(false) is null)
                throw ControlPlaneException.NotFound("credentialSecret", $"credentialSecret {spec.CredentialSecret} not found; PUT /api/secrets/{spec.CredentialSecret} first");
        }
        else if (TargetUrls.CredentialSchemes.Contains(scheme))
            throw ControlPlaneException.Invalid("credentialSecret", $"credentialSecret is required for {scheme} backup targets");
        if (spec.BackupTargetURL.Length > 0)
        {
            var identity = TargetUrls.Identity(spec.BackupTargetURL);
            var others = await store.ListAsync<BackupTarget>(null, cancellationToken).ConfigureAwait(false);
            if (others.FirstOrDefault(t => t.Name != name && t.Spec.BackupTargetURL.Length > 0 && TargetUrls.Identity(t.Spec.BackupTargetURL) == identity) is { } other)
                throw ControlPlaneException.Conflict("backupTargetURL", $"backupTargetURL {spec.BackupTargetURL} is already used by backup target {other.Name}");
        }

        if (await store.GetAsync<BackupTarget>(name, cancellationToken).ConfigureAwait(false) is { } existing
            && (existing.Spec.BackupTargetURL != spec.BackupTargetURL || existing.Spec.CredentialSecret != spec.CredentialSecret))
        {
            var standby = await store.ListAsync<Volume>(LabelSelector.Of((LonghornLabels.BackupTarget, name)), cancellationToken).ConfigureAwait(false);
            if (standby.FirstOrDefault(v => v.Spec.Standby) is { } dr)
                throw ControlPlaneException.Conflict("backupTargetURL", $"cannot change the URL or secret of backup target {name} while standby volume {dr.Name} uses it");
        }
    }

    /// <summary>A target changed outside these functions (kubectl edit): probe and sync it now, as Longhorn's controller does on a spec change.</summary>
    public void Changed(string name) => work.Enqueue(WorkKind.SyncBackupTarget, name);

    /// <summary>
    /// Deletes a target that no volume uses (the default one stays: empty its URL to disable it). Its BackupVolume and
    /// Backup resources go with it; the backups in the store are kept, for this or another cluster to sync again.
    /// </summary>
    public async Task DeleteAsync(string name, CancellationToken cancellationToken)
    {
        await GetAsync(name, cancellationToken).ConfigureAwait(false);
        if (name == BackupTarget.DefaultName)
            throw ControlPlaneException.Invalid("name", $"the {name} backup target cannot be deleted; set its backupTargetURL to \"\" to disable it");
        var volumes = await store.ListAsync<Volume>(null, cancellationToken).ConfigureAwait(false);
        if (volumes.FirstOrDefault(v => v.Spec.BackupTargetName == name) is { } user)
            throw ControlPlaneException.Conflict("name", $"backup target {name} is used by volume {user.Name}; point the volume at another target first");
        var ofTarget = LabelSelector.Of((LonghornLabels.BackupTarget, name));
        foreach (var backup in await store.ListAsync<Backup>(ofTarget, cancellationToken).ConfigureAwait(false))
            await CustomResourceDeletion.DeleteAsync<Backup>(store, backup.Name, cancellationToken).ConfigureAwait(false);
        foreach (var backupVolume in await store.ListAsync<BackupVolume>(null, cancellationToken).ConfigureAwait(false))
        {
            if (backupVolume.Spec.BackupTargetName == name)
                await CustomResourceDeletion.DeleteAsync<BackupVolume>(store, backupVolume.Name, cancellationToken).ConfigureAwait(false);
        }
        await CustomResourceDeletion.DeleteAsync<BackupTarget>(store, name, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Asks for a sync now (Longhorn's backupTargetSync); 429 when the last request was under 10 s ago.</summary>
    public async Task<BackupTarget> RequestSyncAsync(string name, CancellationToken cancellationToken)
    {
        var target = await GetAsync(name, cancellationToken).ConfigureAwait(false);
        var now = time.GetUtcNow();
        if (target.Spec.SyncRequestedAt is { } last && now - last < MinSyncInterval)
        {
            throw new ControlPlaneException(Problem.TooManyRequests,
                $"backup target {name} was asked to sync at {last:O}; ask again after {MinSyncInterval.TotalSeconds:0} s", "name")
            { RetryAfter = MinSyncInterval - (now - last) };
        }
        var updated = await store.MutateAsync<BackupTarget>(name, t => t with { Spec = t.Spec with { SyncRequestedAt = now } }, cancellationToken)
            .ConfigureAwait(false);
        work.Enqueue(WorkKind.SyncBackupTarget, name);
        return updated ?? target;
    }

    /// <summary>Stores a credential secret; values must not carry leading or trailing whitespace.</summary>
    public async Task<Secret> PutSecretAsync(string name, IReadOnlyDictionary<string, string> data, CancellationToken cancellationToken)
    {
        ResourceNames.Validate(name, "name", 253);
        foreach (var (key, value) in data)
        {
            if (key.Length == 0 || !System.Text.RegularExpressions.Regex.IsMatch(key, "^[-._a-zA-Z0-9]+$"))
                throw ControlPlaneException.Invalid("data", $"data key '{key}' is invalid: it must match ^[-._a-zA-Z0-9]+$");
            if (value != value.Trim())
                throw ControlPlaneException.Invalid("data", $"data value of {key} has leading or trailing whitespace or newlines");
        }
        var updated = await store.MutateAsync<Secret>(name, s => s with { Data = data }, cancellationToken).ConfigureAwait(false);
        return updated ?? await store.CreateAsync(new Secret { Metadata = new ObjectMeta { Name = name }, Data = data }, cancellationToken)
            .ConfigureAwait(false);
    }
}
