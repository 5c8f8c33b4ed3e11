using System.Collections.ObjectModel;

namespace Longhorn.Simulator.Replicas;

/// <content>Snapshots: create, list, delete and purge (spec §3, §4), and revert (§5).</content>
public sealed partial class Replica
{
    /// <summary>Takes a user snapshot with no labels.</summary>
    public ValueTask CreateSnapshotAsync(string name, CancellationToken cancellationToken = default) =>
        CreateSnapshotAsync(name, userCreated: true, labels: null, cancellationToken);

    /// <summary>
    /// Longhorn's createDisk: a new empty head whose parent is <c>volume-snap-&lt;name&gt;.img</c>, the old head
    /// hard-linked to that name (no data copied), the metas rewritten, and the old head's names removed.
    /// </summary>
    /// <param name="name">The short snapshot name, e.g. "s1".</param>
    /// <param name="userCreated">False makes a system snapshot, which the next purge marks removed.</param>
    /// <param name="labels">The snapshot's labels, or null.</param>
    /// <param name="cancellationToken">Cancels waiting for in-flight I/O; the change itself is not interrupted.</param>
    public async ValueTask CreateSnapshotAsync(
        string name, bool userCreated, IReadOnlyDictionary<string, string>? labels, CancellationToken cancellationToken = default)
    {
        DiskNames.ValidateName(name, nameof(name));
        using var pass = await EnterAsync(exclusive: true, cancellationToken).ConfigureAwait(false);
        var state = _state;
        var snapshot = DiskNames.Snapshot(name);
        if (state.Disks.ContainsKey(snapshot))
        {
            throw new ReplicaException($"snapshot {snapshot} is already existing");
        }

        var active = state.Disks.Values.Count(d => d.Name != state.Head && !d.Removed);
        if (active >= ReplicaState.MaximumTotalSnapshotCount)
        {
            throw new ReplicaException($"too many active disks: {active + 1}");
        }

        var created = Now();
        var oldHead = state.Head;
        var oldHeadMeta = state.Disks[oldHead];
        var (headMeta, headFile) = CreateHead(oldHead, snapshot, created, state.Info.Size);
        var info = state.Info with { Head = headMeta.Name, Dirty = true, Parent = snapshot };
        var snapshotMeta = oldHeadMeta with
        {
            UserCreated = userCreated,
            Created = created,
            Labels = labels is null || labels.Count == 0 ? null : new Dictionary<string, string>(labels, StringComparer.Ordinal),
        };
        var linked = false;
        try
        {
            AfterStep?.Invoke("new head created");
            DeleteLayerFiles(snapshot);
            SparseFileNative.Link(PathOf(oldHead), PathOf(snapshot));
            linked = true;
            AfterStep?.Invoke("old head linked to the snapshot's name");
            // Encoded from the old head's struct before Longhorn renames it in memory: the file keeps the old Name.
            // Longhorn links the old head's meta to the snapshot's name and rewrites it after volume.meta; written whole
            // before it here, so a kill in between cannot leave the snapshot with the head's meta (not user-created, no
            // labels: the next purge would delete it). The files end the same.
            WriteMetaFile(snapshot + DiskNames.MetaSuffix, snapshotMeta.ToJson());
            AfterStep?.Invoke("snapshot's meta written");
            WriteVolumeMeta(info);
            AfterStep?.Invoke("volume.meta names the new head");
        }
        catch (Exception e) when (e is not ReplicaKilledException)
        {
            headFile.Dispose();
            DeleteLayerFiles(headMeta.Name);
            if (linked)
            {
                DeleteLayerFiles(snapshot);
            }

            TryWriteVolumeMeta(state.Info);
            throw;
        }

        DeleteLayerFiles(oldHead);

        // The old head's handle is the snapshot's file now, under its new name.
        _files.Remove(oldHead, out var oldHeadFile);
        if (oldHeadFile is not null)
        {
            _files[snapshot] = oldHeadFile;
        }

        _files[headMeta.Name] = headFile;
        Publish(state.WithoutDisk(oldHead).WithDisk(snapshotMeta with { Name = snapshot }).WithDisk(headMeta) with { Info = info });
    }

    /// <summary>Every snapshot (not the head), ordered by file name.</summary>
    public IReadOnlyList<SnapshotInfo> ListSnapshots()
    {
        var state = _state;
        return state.Disks.Values
            .Where(disk => !DiskNames.IsHead(disk.Name))
            .OrderBy(disk => disk.Name, StringComparer.Ordinal)
            .Select(disk => new SnapshotInfo(
                DiskNames.ApiName(disk.Name),
                DiskNames.ApiName(disk.Parent),
                disk.Removed,
                disk.UserCreated,
                disk.Created,
                (disk.Labels ?? ReadOnlyDictionary<string, string>.Empty).ToDictionary(StringComparer.Ordinal).AsReadOnly(),
                state.ChildrenOf(disk.Name).Select(DiskNames.ApiName).Order(StringComparer.Ordinal).ToList()))
            .ToList();
    }

    /// <summary>Deletes a snapshot the way Longhorn does: marks it removed, then purges (see <see cref="PurgeAsync"/>).</summary>
    /// <param name="name">A short snapshot name, or a layer file name.</param>
    /// <param name="cancellationToken">Cancels between purge steps and while copying data.</param>
    public async ValueTask DeleteSnapshotAsync(string name, CancellationToken cancellationToken = default)
    {
        using var pass = await EnterAsync(exclusive: true, cancellationToken).ConfigureAwait(false);
        MarkRemoved(ResolveSnapshot(name));
        await PurgeCoreAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Longhorn's MarkDiskAsRemoved: sets <c>Removed:true</c> in the snapshot's meta and changes nothing else.</summary>
    public async ValueTask MarkSnapshotRemovedAsync(string name, CancellationToken cancellationToken = default)
    {
        using var pass = await EnterAsync(exclusive: true, cancellationToken).ConfigureAwait(false);
        MarkRemoved(ResolveSnapshot(name));
    }

    /// <summary>
    /// Longhorn's snapshot purge: marks system snapshots removed, then walks up from every leaf. A removed leaf is
    /// deleted; a removed snapshot with one non-head child has the child folded into it and takes the child's
    /// name; the removed snapshot under the head is only pruned (holes punched where the head has data), last.
    /// </summary>
    public async ValueTask PurgeAsync(CancellationToken cancellationToken = default)
    {
        using var pass = await EnterAsync(exclusive: true, cancellationToken).ConfigureAwait(false);
        await PurgeCoreAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Longhorn's revert: a new empty head on top of the snapshot; the old head's data is discarded. Newer
    /// snapshots stay as another branch.
    /// </summary>
    public async ValueTask RevertAsync(string snapshotName, CancellationToken cancellationToken = default)
    {
        using var pass = await EnterAsync(exclusive: true, cancellationToken).ConfigureAwait(false);
        var target = _state.FindDisk(snapshotName)
            ?? throw new ReplicaException($"cannot revert to snapshot {snapshotName}: it does not exist");
        RevertTo(target);
    }

    private async ValueTask PurgeCoreAsync(CancellationToken cancellationToken)
    {
        var leaves = _state.Disks.Keys.Where(disk => _state.ChildrenOf(disk).Count == 0).Order(StringComparer.Ordinal).ToList();
        foreach (var disk in _state.Disks.Values.OrderBy(d => d.Name, StringComparer.Ordinal).ToList())
        {
            if (disk.Name != _state.Head && !disk.UserCreated && !disk.Removed)
            {
                MarkRemoved(disk.Name);
            }
        }

        // As in the sync agent: the picture is refreshed per leaf, not per step of one walk.
        var picture = _state;
        string? latest = null;
        foreach (var leaf in leaves)
        {
            if (!picture.Disks.ContainsKey(leaf))
            {
                continue;
            }

            for (var current = leaf; current.Length > 0;)
            {
                cancellationToken.ThrowIfCancellationRequested();
                if (!picture.Disks.TryGetValue(current, out var disk))
                {
                    break;
                }

                if (disk.Removed)
                {
                    if (latest is null && picture.ChildrenOf(current).Any(DiskNames.IsHead))
                    {
                        // The snapshot right under the head is processed last.
                        latest = current;
                        current = disk.Parent;
                        continue;
                    }

                    await ProcessRemovedAsync(current, cancellationToken).ConfigureAwait(false);
                }

                current = disk.Parent;
            }

            picture = _state;
        }

        if (latest is not null)
        {
            await ProcessRemovedAsync(latest, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Longhorn's PrepareRemoveDisk and the actions the sync agent then runs.</summary>
    private async ValueTask ProcessRemovedAsync(string disk, CancellationToken cancellationToken)
    {
        var state = _state;
        if (!state.Disks.TryGetValue(disk, out var meta))
        {
            return;
        }

        if (disk == state.Head)
        {
            throw new ReplicaException("cannot delete the active differencing disk");
        }

        if (!meta.Removed)
        {
            throw new ReplicaException($"disk {disk} hasn't been marked as removed");
        }

        var children = state.ChildrenOf(disk);
        if (children.Count == 0)
        {
            Publish(state.WithoutDisk(disk));
            DeleteLayerFiles(disk);
        }
        else if (children.Count == 1 && children[0] != state.Head)
        {
            await GetOrOpen(disk).OverlayAsync(GetOrOpen(children[0]), cancellationToken).ConfigureAwait(false);
            AfterStep?.Invoke("child folded into the parent");
            Replace(target: children[0], source: disk);
        }
        else if (children.Count == 1)
        {
            GetOrOpen(disk).PruneWhereDataIn(GetOrOpen(state.Head));
        }

        // With two or more children Longhorn skips it until a branch goes away.
    }

    /// <summary>
    /// Longhorn's ReplaceDisk after a fold: the folded parent's file takes the child's name and place. Longhorn removes
    /// the child's file and then links the parent's to its name, so a kill between the two leaves a layer of the live
    /// chain missing and the replica unable to open. The same end state is reached here without that window: the
    /// parent's file is linked to a temp name, which is renamed over the child's (one atomic step), and only then is the
    /// child reparented and the parent's names removed. Stopped anywhere, the chain reads the same bytes: the child's
    /// file is either its own or the fold (the parent overlaid by the child), and the next purge finishes the job.
    /// </summary>
    private void Replace(string target, string source)
    {
        var state = _state;
        if (!File.Exists(PathOf(source)))
        {
            throw new ReplicaException($"cannot find source of replacing: {source}");
        }

        var temp = PathOf(target + DiskNames.TmpSuffix);
        File.Delete(temp);
        SparseFileNative.Link(PathOf(source), temp);
        AfterStep?.Invoke("folded parent linked to a temp name");
        CloseFile(target);
        File.Move(temp, PathOf(target), overwrite: true);
        // rename(2) of a name onto another name of the same file does nothing: a retry after a stop past this point.
        File.Delete(temp);
        AfterStep?.Invoke("temp name renamed over the child's file");

        var reparented = state.Disks[target] with { Parent = state.Disks[source].Parent };
        WriteMetaFile(target + DiskNames.MetaSuffix, reparented.ToJson());
        AfterStep?.Invoke("child reparented");
        Publish(state.WithoutDisk(source).WithDisk(reparented));
        DeleteLayerFiles(source);
    }

    private void MarkRemoved(string disk)
    {
        var state = _state;
        if (!File.Exists(PathOf(disk)))
        {
            throw new ReplicaException($"cannot find disk file {disk}");
        }

        if (!File.Exists(PathOf(disk + DiskNames.MetaSuffix)))
        {
            throw new ReplicaException($"cannot find disk metafile {disk}{DiskNames.MetaSuffix}");
        }

        var removed = state.Disks[disk] with { Removed = true };
        WriteMetaFile(disk + DiskNames.MetaSuffix, removed.ToJson());
        Publish(state.WithDisk(removed));
    }

    private string ResolveSnapshot(string name)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        var disk = _state.FindDisk(name) ?? throw new ReplicaException($"snapshot {name} does not exist");
        return disk == _state.Head ? throw new ReplicaException("cannot mark the active differencing disk as removed") : disk;
    }

    private void RevertTo(string target)
    {
        var state = _state;
        if (target == state.Head || DiskNames.IsHead(target))
        {
            throw new ReplicaException($"cannot revert to the volume head {target}");
        }

        if (state.Disks[target].Removed)
        {
            throw new ReplicaException($"cannot revert to disk file {target} since it's already marked as removed");
        }

        if (!File.Exists(PathOf(target)))
        {
            throw new FileNotFoundException($"cannot revert to {target}: the file is missing", PathOf(target));
        }

        var oldHead = state.Head;
        var (headMeta, headFile) = CreateHead(oldHead, target, Now(), state.Info.Size);
        AfterStep?.Invoke("new head created on the revert target");
        var info = state.Info with { Head = headMeta.Name, Dirty = true, Parent = target };
        try
        {
            WriteVolumeMeta(info);
            AfterStep?.Invoke("volume.meta names the head on the revert target");
        }
        catch (Exception e) when (e is not ReplicaKilledException)
        {
            headFile.Dispose();
            DeleteLayerFiles(headMeta.Name);
            throw;
        }

        _files[headMeta.Name] = headFile;
        CloseFile(oldHead);
        DeleteLayerFiles(oldHead);
        Publish(state.WithoutDisk(oldHead).WithDisk(headMeta) with { Info = info });
    }

    private (DiskMeta Meta, LayerFile File) CreateHead(string oldHead, string parent, string created, long size)
    {
        var name = DiskNames.NextHead(oldHead);
        if (File.Exists(PathOf(name)))
        {
            throw new ReplicaException($"{name} already exists");
        }

        var file = LayerFile.Create(PathOf(name), size);
        var meta = new DiskMeta(name, parent, Removed: false, UserCreated: false, created, Labels: null);
        try
        {
            WriteMetaFile(name + DiskNames.MetaSuffix, meta.ToJson());
            return (meta, file);
        }
        catch
        {
            file.Dispose();
            DeleteLayerFiles(name);
            throw;
        }
    }
}
