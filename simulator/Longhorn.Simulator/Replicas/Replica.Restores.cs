namespace Longhorn.Simulator.Replicas;

/// <content>Restores into the replica (spec §7.2 full, §7.3 incremental).</content>
public sealed partial class Replica
{
    /// <summary>
    /// Starts a first (full) restore into a replica that has only its head: the backup goes into a new
    /// <c>volume-snap-&lt;uuid&gt;.img</c>; completing writes its meta <c>{"Parent":""}</c> and reverts onto it.
    /// </summary>
    public ReplicaRestore BeginFullRestore()
    {
        ThrowIfDisposed();
        var state = _state;
        if (state.Disks.Count != 1)
        {
            throw new ReplicaException(
                $"a full restore needs a replica with only a volume head; {DirectoryPath} has {state.Disks.Count - 1} snapshot(s)");
        }

        EnterRestore();
        var snapshot = DiskNames.Snapshot(Guid.NewGuid().ToString());
        return new ReplicaRestore(PathOf(snapshot), state.Info.Size, (_, ct) => CompleteFullRestoreAsync(snapshot, ct), ExitRestore);
    }

    /// <summary>
    /// Starts an incremental (DR) restore: blocks go into <c>volume-delta-&lt;lastRestoredBackupName&gt;.img</c>;
    /// completing folds it into the snapshot under the head (zero-filled ranges override) and deletes it.
    /// </summary>
    /// <param name="lastRestoredBackupName">The previously restored backup, which names the delta file.</param>
    public ReplicaRestore BeginIncrementalRestore(string lastRestoredBackupName)
    {
        DiskNames.ValidateName(lastRestoredBackupName, nameof(lastRestoredBackupName));
        ThrowIfDisposed();
        var state = _state;
        var target = RestoredSnapshot(state);
        EnterRestore();
        var delta = DiskNames.Delta(lastRestoredBackupName);
        return new ReplicaRestore(PathOf(delta), state.Info.Size, (file, ct) => CompleteIncrementalRestoreAsync(file, target, ct), ExitRestore);
    }

    private static string RestoredSnapshot(ReplicaState state)
    {
        var snapshots = state.Disks.Keys.Where(name => name != state.Head).ToList();
        if (snapshots.Count != 1 || state.Disks[state.Head].Parent != snapshots[0])
        {
            throw new ReplicaException(
                $"an incremental restore needs exactly one snapshot, the last restored one, under the volume head; " +
                $"this replica has {snapshots.Count}: purge it first");
        }

        return snapshots[0];
    }

    private async ValueTask CompleteFullRestoreAsync(string snapshot, CancellationToken cancellationToken)
    {
        using var pass = await EnterAsync(exclusive: true, cancellationToken).ConfigureAwait(false);
        var before = _state;
        WriteMetaFile(snapshot + DiskNames.MetaSuffix, DiskMeta.RestoredSnapshotJson);
        AfterStep?.Invoke("restored snapshot's meta written");
        try
        {
            Publish(before.WithDisk(DiskMeta.Parse(DiskMeta.RestoredSnapshotJson, snapshot)));
            RevertTo(snapshot);
        }
        catch (Exception e) when (e is not ReplicaKilledException)
        {
            Publish(before);
            File.Delete(PathOf(snapshot + DiskNames.MetaSuffix));
            throw;
        }
    }

    private async ValueTask CompleteIncrementalRestoreAsync(LayerFile delta, string target, CancellationToken cancellationToken)
    {
        using var pass = await EnterAsync(exclusive: true, cancellationToken).ConfigureAwait(false);
        if (!_state.Disks.ContainsKey(target))
        {
            throw new ReplicaException($"the restored snapshot {target} no longer exists");
        }

        await GetOrOpen(target).OverlayAsync(delta, cancellationToken).ConfigureAwait(false);
        File.Delete(delta.Path);
    }

    private void EnterRestore()
    {
        if (Interlocked.Exchange(ref _restoring, 1) != 0)
        {
            throw new ReplicaException("cannot initiate backup restore as there is one already in progress");
        }
    }

    private void ExitRestore() => Volatile.Write(ref _restoring, 0);
}
