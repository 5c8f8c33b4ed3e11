using System.Buffers;
using System.Globalization;
using Longhorn.Engine;
using Longhorn.Engine.Format;
using Longhorn.Functions.ControlPlane.Settings;
using Longhorn.Functions.ControlPlane.Targets;
using Longhorn.Functions.ControlPlane.Work;
using Longhorn.Functions.Resources;
using Longhorn.Simulator.Replicas;

namespace Longhorn.Functions.ControlPlane.Volumes;

/// <summary>Volumes of the simulated cluster: create (empty, restored or standby), list, delete, and their data.</summary>
public sealed class VolumeService(IResourceStore store, ReplicaRegistry replicas, SnapshotService snapshots, LonghornSettings settings, WorkQueue work,
    HostIdentity host, ILogger<VolumeService> logger)
{
    private const int DataChunk = 1024 * 1024;
    private static readonly long MaxVolumeSize = 64L << 40;

    private readonly StorageClassJobs _storageClassJobs = new(store);

    public Task<IReadOnlyList<Volume>> ListAsync(CancellationToken cancellationToken) => store.ListAsync<Volume>(null, cancellationToken);

    public Task<Volume> GetAsync(string name, CancellationToken cancellationToken) => store.GetVolumeAsync(name, cancellationToken);

    public async Task<Volume> CreateAsync(VolumeRequest request, CancellationToken cancellationToken)
    {
        ResourceNames.Validate(request.Name, "name");
        var name = request.Name!;
        ResourceNames.ValidateLabels(request.Labels, "labels");
        if (await store.GetAsync<Volume>(name, cancellationToken).ConfigureAwait(false) is not null)
            throw ControlPlaneException.Conflict("name", $"volume {name} already exists");
        var compression = request.BackupCompressionMethod
                          ?? await settings.GetAsync(SettingDefinitions.BackupCompressionMethod, cancellationToken).ConfigureAwait(false);
        if (compression is not ("none" or "lz4" or "gzip"))
            throw ControlPlaneException.Invalid("backupCompressionMethod", $"backupCompressionMethod {compression} is invalid: it must be none, lz4 or gzip");
        var blockSize = await BlockSizeAsync(request.BackupBlockSize, cancellationToken).ConfigureAwait(false);
        var labels = new Dictionary<string, string>(request.Labels ?? new Dictionary<string, string>(), StringComparer.Ordinal);
        var spec = new VolumeSpec
        {
            BackupCompressionMethod = compression,
            BackupBlockSize = blockSize.ToString(CultureInfo.InvariantCulture),
            StorageClassName = request.StorageClassName ?? "",
            Standby = request.Standby,
        };

        long size;
        string targetName;
        (Volume Source, string? Snapshot)? clone = null;
        if (!string.IsNullOrEmpty(request.FromBackup) && !string.IsNullOrEmpty(request.DataSource))
            throw ControlPlaneException.Invalid("dataSource", "a volume is restored from fromBackup or cloned from dataSource, not both");
        if (!string.IsNullOrEmpty(request.FromBackup))
        {
            var (backup, target) = await FindBackupAsync(request.FromBackup, cancellationToken).ConfigureAwait(false);
            size = backup.Status.VolumeSize;
            targetName = target.Name;
            if (request.BackupTargetName is { Length: > 0 } asked && asked != targetName)
                throw ControlPlaneException.Invalid("backupTargetName", $"backupTargetName {asked} differs from the target {targetName} of fromBackup");
            if (size <= 0 || size % blockSize != 0)
                throw ControlPlaneException.Invalid("backupBlockSize", $"the backup's volume size {size} is not a multiple of the block size {blockSize}");
            labels[LonghornLabels.BackupVolume] = backup.Status.VolumeName;
            spec = spec with { FromBackup = request.FromBackup };
        }
        else
        {
            if (request.Standby) throw ControlPlaneException.Invalid("standby", "a standby volume needs fromBackup, the backup URL it follows");
            if (!string.IsNullOrEmpty(request.DataSource))
            {
                clone = await CloneSourceAsync(request.DataSource, cancellationToken).ConfigureAwait(false);
                var sourceSize = clone.Value.Source.Spec.Size;
                if ((request.Size ??= sourceSize) != sourceSize)
                    throw ControlPlaneException.Invalid("size", $"size {request.Size} of a clone must equal the size {sourceSize} of its source volume {clone.Value.Source.Name}");
                spec = spec with { DataSource = request.DataSource };
            }
            size = request.Size ?? throw ControlPlaneException.Invalid("size", "size is required (bytes)");
            if (size <= 0 || size > MaxVolumeSize)
                throw ControlPlaneException.Invalid("size", $"size {size} must be positive and at most {MaxVolumeSize} bytes");
            if (size % blockSize != 0)
                throw ControlPlaneException.Invalid("size", $"size {size} must be a multiple of the backup block size {blockSize}");
            targetName = request.BackupTargetName is { Length: > 0 } t ? t : BackupTarget.DefaultName;
            if (await store.GetAsync<BackupTarget>(targetName, cancellationToken).ConfigureAwait(false) is null)
                throw ControlPlaneException.NotFound("backupTargetName", $"backup target {targetName} not found");
        }
        labels[LonghornLabels.BackupTarget] = targetName;
        var allLabels = await _storageClassJobs.LabelsAsync(request.StorageClassName, labels, cancellationToken).ConfigureAwait(false);

        var restoring = spec.FromBackup.Length > 0;
        var volume = await store.CreateAsync(new Volume
        {
            Metadata = new ObjectMeta { Name = name, Labels = allLabels, Finalizers = [] },
            Spec = spec with { Size = size, BackupTargetName = targetName },
            Status = new VolumeStatus
            {
                OwnerID = host.InstanceId,
                State = VolumeStates.Creating,
                RestoreRequired = restoring,
                RestoreInitiated = restoring,
                IsStandby = request.Standby,
                RestoreStatus = restoring ? new RestoreStatus { Replica = name + "-r", State = "pending", BackupURL = spec.FromBackup } : null,
            },
        }, cancellationToken).ConfigureAwait(false);
        try
        {
            replicas.Create(name, size);
        }
        // The replica checks the size again; its ArgumentException is the same refusal.
        catch (Exception e) when (ExpectedFailure.Is(e) || e is ArgumentException)
        {
            await store.DeleteAsync<Volume>(name, CancellationToken.None).ConfigureAwait(false);
            throw new ControlPlaneException(Problem.Unavailable, $"cannot create the replica of volume {name}: {e.Message}");
        }
        if (clone is { } from)
        {
            try
            {
                await CopyAsync(from.Source.Name, from.Snapshot, name, cancellationToken).ConfigureAwait(false);
            }
            catch (Exception e) when (ExpectedFailure.Is(e) || e is ReplicaException or ControlPlaneException)
            {
                await replicas.RemoveAsync(name).ConfigureAwait(false);
                await store.DeleteAsync<Volume>(name, CancellationToken.None).ConfigureAwait(false);
                throw e as ControlPlaneException ?? ControlPlaneException.Conflict("dataSource", $"cannot clone {request.DataSource} into volume {name}: {e.Message}");
            }
        }
        volume = (await store.MutateAsync<Volume>(name, v => v with
        {
            Status = v.Status with { State = VolumeStates.Attached, Robustness = "healthy" },
        }, cancellationToken).ConfigureAwait(false)) ?? throw ResourceLookups.VolumeNotFound(name);
        if (restoring) work.Enqueue(WorkKind.Restore, name);
        logger.LogInformation("Created volume {Volume} of {Size} bytes{Restore}", name, size,
            restoring ? " from " + spec.FromBackup : clone is not null ? " as a clone of " + spec.DataSource : "");
        return volume;
    }

    /// <summary>The volume (and snapshot) a <c>dataSource</c> names, checked to exist: <c>vol://&lt;volume&gt;</c> or <c>snap://&lt;volume&gt;/&lt;snapshot&gt;</c>.</summary>
    private async Task<(Volume Source, string? Snapshot)> CloneSourceAsync(string dataSource, CancellationToken cancellationToken)
    {
        string volumeName;
        string? snapshotName = null;
        if (dataSource.StartsWith("vol://", StringComparison.Ordinal) && dataSource.Length > 6 && !dataSource[6..].Contains('/'))
            volumeName = dataSource[6..];
        else if (dataSource.StartsWith("snap://", StringComparison.Ordinal) && dataSource[7..].Split('/') is [{ Length: > 0 } v, { Length: > 0 } snap])
            (volumeName, snapshotName) = (v, snap);
        else
            throw ControlPlaneException.Invalid("dataSource", $"dataSource {dataSource} is invalid: expected vol://<volume> or snap://<volume>/<snapshot>");
        var source = await store.GetAsync<Volume>(volumeName, cancellationToken).ConfigureAwait(false)
            ?? throw ControlPlaneException.NotFound("dataSource", $"source volume {volumeName} of dataSource {dataSource} not found");
        if (source.Status.State != VolumeStates.Attached || source.Status.RestoreRequired)
            throw ControlPlaneException.Conflict("dataSource", $"source volume {volumeName} is {source.Status.State}{(source.Status.RestoreRequired ? " and restoring" : "")}; clone it when it is ready");
        if (snapshotName is not null && !replicas.Get(volumeName).ListSnapshots().Any(s => s.Name == snapshotName && !s.Removed))
            throw ControlPlaneException.NotFound("dataSource", $"snapshot {snapshotName} of volume {volumeName} not found");
        return (source, snapshotName);
    }

    /// <summary>
    /// Copies the source's snapshot (for <c>vol://</c>, a snapshot taken now, as Longhorn's clone takes one) into the new
    /// volume: only the blocks the snapshot's chain holds, so holes stay holes.
    /// </summary>
    private async Task CopyAsync(string sourceName, string? snapshotName, string targetName, CancellationToken cancellationToken)
    {
        snapshotName ??= (await snapshots.CreateAsync(sourceName, null, null, cancellationToken).ConfigureAwait(false)).Name;
        var target = replicas.Get(targetName);
        await using var reader = await replicas.Get(sourceName).OpenSnapshotAsync(snapshotName, cancellationToken).ConfigureAwait(false);
        var buffer = ArrayPool<byte>.Shared.Rent(DataChunk);
        try
        {
            foreach (var mapping in await reader.CompareAsync(null, DataChunk, cancellationToken).ConfigureAwait(false))
            {
                for (long done = 0; done < mapping.Size; done += DataChunk)
                {
                    var length = (int)Math.Min(DataChunk, mapping.Size - done);
                    await reader.ReadAsync(mapping.Offset + done, buffer.AsMemory(0, length), cancellationToken).ConfigureAwait(false);
                    await target.WriteAsync(mapping.Offset + done, buffer.AsMemory(0, length), cancellationToken).ConfigureAwait(false);
                }
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    /// <summary>
    /// Activates a standby (DR) volume as Longhorn does: its backup volume is synced, the last backup restored, then the
    /// volume becomes a normal one. Answers at once (the volume carries <c>activationRequested</c> until it is done).
    /// </summary>
    public async Task<Volume> ActivateAsync(string name, CancellationToken cancellationToken)
    {
        var volume = await store.GetVolumeAsync(name, cancellationToken).ConfigureAwait(false);
        if (!volume.Spec.Standby) throw ControlPlaneException.Invalid("name", $"volume {name} is not a standby (DR) volume: there is nothing to activate");
        if (volume.Status.RestoreStatus is { State: "error" } failed)
            throw ControlPlaneException.Conflict("name", $"volume {name} cannot be activated while its last restore failed ({failed.Error}); fix the target or delete the volume");
        var updated = await store.MutateAsync<Volume>(name, v => v with { Status = v.Status with { ActivationRequested = true } }, cancellationToken)
            .ConfigureAwait(false) ?? throw ResourceLookups.VolumeNotFound(name);
        var backupVolume = ResourceNames.BackupVolume(BackupUrl.Decode(volume.Spec.FromBackup).VolumeName, volume.Spec.BackupTargetName);
        if (await store.GetAsync<BackupVolume>(backupVolume, cancellationToken).ConfigureAwait(false) is not null)
            work.EnqueueAfter(WorkKind.SyncBackupVolume, backupVolume, WorkKind.Restore, name);
        else
            work.Enqueue(WorkKind.Restore, name);
        logger.LogInformation("Activating standby volume {Volume}", name);
        return updated;
    }

    /// <summary>Sets or (with a null value) removes labels, e.g. <c>recurring-job.longhorn.io/&lt;job&gt;: enabled</c> to join a job; the host's own labels stay.</summary>
    public async Task<Volume> UpdateLabelsAsync(string name, IReadOnlyDictionary<string, string?> changes, CancellationToken cancellationToken)
    {
        await store.GetVolumeAsync(name, cancellationToken).ConfigureAwait(false);
        foreach (var key in changes.Keys.Where(k => k is LonghornLabels.BackupTarget or LonghornLabels.BackupVolume))
            throw ControlPlaneException.Invalid("labels", $"label {key} is the host's own and cannot be changed");
        ResourceNames.ValidateLabels(changes.Where(c => c.Value is not null).ToDictionary(c => c.Key, c => c.Value!), "labels");
        return (await store.MutateAsync<Volume>(name, v =>
        {
            var labels = new Dictionary<string, string>(v.Metadata.Labels, StringComparer.Ordinal);
            foreach (var (key, value) in changes)
            {
                if (value is null) labels.Remove(key);
                else labels[key] = value;
            }
            return v with { Metadata = v.Metadata with { Labels = labels } };
        }, cancellationToken).ConfigureAwait(false)) ?? throw ResourceLookups.VolumeNotFound(name);
    }

    /// <summary>Deletes the volume, its replica and its snapshots; its backups stay in the store. 409 while it is being backed up.</summary>
    public async Task DeleteAsync(string name, CancellationToken cancellationToken)
    {
        await store.GetVolumeAsync(name, cancellationToken).ConfigureAwait(false);
        var backups = await store.ListAsync<Backup>(LabelSelector.Of((LonghornLabels.BackupVolume, name)), cancellationToken).ConfigureAwait(false);
        if (backups.FirstOrDefault(b => b.IsLocal && !BackupStates.IsFinal(b.Status.State)) is { } busy)
            throw ControlPlaneException.Conflict("name", $"volume {name} is being backed up by {busy.Name}; delete it when the backup has finished");
        work.Cancel(WorkKind.Restore, name);
        await work.WhenIdleAsync(WorkKind.Restore, name, cancellationToken).ConfigureAwait(false);
        foreach (var snapshot in await store.ListAsync<Snapshot>(LabelSelector.Of((LonghornLabels.SnapshotVolume, name)), cancellationToken)
                     .ConfigureAwait(false))
        {
            await store.DeleteAsync<Snapshot>(snapshot.Name, cancellationToken).ConfigureAwait(false);
        }
        await replicas.RemoveAsync(name).ConfigureAwait(false);
        await store.DeleteAsync<Volume>(name, cancellationToken).ConfigureAwait(false);
        logger.LogInformation("Deleted volume {Volume}", name);
    }

    /// <summary>Streams a body into the volume at the offset, 1 MiB at a time; a write past the end is refused before anything is written.</summary>
    public async Task<long> WriteAsync(string name, long offset, long? length, Stream body, CancellationToken cancellationToken)
    {
        var volume = await store.GetWritableVolumeAsync(name, "write", cancellationToken).ConfigureAwait(false);
        CheckRange(volume, offset, length ?? 0);
        var replica = replicas.Get(name);
        var buffer = ArrayPool<byte>.Shared.Rent(DataChunk);
        try
        {
            long written = 0;
            while (true)
            {
                var filled = await body.ReadAtLeastAsync(buffer.AsMemory(0, DataChunk), DataChunk, throwOnEndOfStream: false, cancellationToken)
                    .ConfigureAwait(false);
                if (filled == 0) break;
                CheckRange(volume, offset, written + filled);
                await replica.WriteAsync(offset + written, buffer.AsMemory(0, filled), cancellationToken).ConfigureAwait(false);
                written += filled;
                if (filled < DataChunk) break;
            }
            return written;
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    /// <summary>Checks a read and returns the replica to stream it from.</summary>
    public async Task<(Simulator.Replicas.Replica Replica, long Length)> OpenReadAsync(string name, long offset, long? length, CancellationToken cancellationToken)
    {
        var volume = await store.GetVolumeAsync(name, cancellationToken).ConfigureAwait(false);
        if (volume.Status.RestoreStatus is { } restore && (restore.IsRestoring || volume.Status.RestoreRequired && restore.LastRestored.Length == 0))
            throw ControlPlaneException.Conflict("volume", $"volume {name} is not readable yet: its restore is {(restore.State.Length > 0 ? restore.State : "pending")}" +
                                                           (restore.Error.Length > 0 ? ": " + restore.Error : ""));
        var count = length ?? volume.Spec.Size - Math.Max(0, offset);
        if (count < 0) throw ControlPlaneException.Invalid("length", $"length {count} must not be negative");
        CheckRange(volume, offset, count);
        return (replicas.Get(name), count);
    }

    private static void CheckRange(Volume volume, long offset, long length)
    {
        if (offset < 0) throw ControlPlaneException.Invalid("offset", $"offset {offset} must not be negative");
        if (offset > volume.Spec.Size - length)
            throw ControlPlaneException.Invalid("offset",
                $"{length} bytes at offset {offset} end past the end of volume {volume.Name} ({volume.Spec.Size} bytes)");
    }

    private async Task<long> BlockSizeAsync(string? requested, CancellationToken cancellationToken)
    {
        if (string.IsNullOrEmpty(requested))
        {
            var mib = await settings.GetIntAsync(SettingDefinitions.DefaultBackupBlockSize, cancellationToken).ConfigureAwait(false);
            return mib * 1024L * 1024L;
        }
        long size;
        try
        {
            size = BlockSizes.ParseQuantity(requested);
        }
        catch (BackupStoreArgumentException)
        {
            size = -1;
        }
        return size is BlockSizes.Default or BlockSizes.Large
            ? size
            : throw ControlPlaneException.Invalid("backupBlockSize", $"backupBlockSize {requested} is invalid: it must be 2097152 (2 MiB) or 16777216 (16 MiB)");
    }

    /// <summary>The Completed Backup resource a backup URL names, and its target; 400 for a malformed URL, 404 for an unknown one.</summary>
    private async Task<(Backup Backup, BackupTarget Target)> FindBackupAsync(string url, CancellationToken cancellationToken)
    {
        string targetUrl, volumeName, backupName;
        try
        {
            (targetUrl, volumeName, backupName) = BackupUrl.Decode(url);
        }
        catch (BackupStoreArgumentException e)
        {
            throw ControlPlaneException.Invalid("fromBackup", $"fromBackup is not a backup URL: {e.Message}");
        }
        if (backupName.Length == 0) throw ControlPlaneException.Invalid("fromBackup", $"fromBackup {url} names no backup (?backup=...)");
        var identity = TargetUrls.Identity(targetUrl);
        var targets = await store.ListAsync<BackupTarget>(null, cancellationToken).ConfigureAwait(false);
        var target = targets.FirstOrDefault(t => t.Spec.BackupTargetURL.Length > 0 && TargetUrls.Identity(t.Spec.BackupTargetURL) == identity)
                     ?? throw ControlPlaneException.NotFound("fromBackup", $"fromBackup {url}: no backup target has the URL {targetUrl}");
        var backup = await store.GetAsync<Backup>(backupName, cancellationToken).ConfigureAwait(false);
        if (backup is null || backup.IsDeleting || backup.Status.State != BackupStates.Completed
            || backup.Metadata.Labels.GetValueOrDefault(LonghornLabels.BackupVolume) != volumeName
            || backup.Metadata.Labels.GetValueOrDefault(LonghornLabels.BackupTarget) != target.Name)
        {
            throw ControlPlaneException.NotFound("fromBackup",
                $"fromBackup {url}: no completed backup {backupName} of volume {volumeName} in backup target {target.Name} (sync the target if it is new)");
        }
        return (backup, target);
    }
}
