using System.Buffers;
using System.Globalization;
using Longhorn.Engine.Snapshots;

namespace Longhorn.Simulator.Replicas;

/// <summary>
/// A Longhorn v1 replica directory (spec/replica-format.md): a head and a chain of sparse snapshot files that it
/// writes, snapshots, purges, reverts, diffs for backup and restores into, leaving files Longhorn itself can open.
/// </summary>
public sealed partial class Replica : ISnapshotSource, IAsyncDisposable
{
    /// <summary>Longhorn's VolumeSectorSize: reads resolve, and partial writes read-modify-write, whole 4 KiB sectors.</summary>
    public const int SectorSize = LayerFile.SectorSize;

    private const int SectorLockStripes = 64;

    private readonly TimeProvider _time;
    private readonly RevisionCounter? _revisionCounter;
    private readonly LayerFile? _backing;
    private readonly ReplicaGate _gate = new();
    private readonly SemaphoreSlim[] _sectorLocks;

    // Open handles by file name; touched only inside the exclusive gate (or before the replica is shared).
    private readonly Dictionary<string, LayerFile> _files = new(StringComparer.Ordinal);
    private volatile ReplicaState _state;
    private LayerChain _live = null!;
    private int _restoring;
    private bool _disposed;

    private Replica(string directory, TimeProvider time, ReplicaState state, RevisionCounter? revisionCounter, LayerFile? backing)
    {
        DirectoryPath = directory;
        _time = time;
        _state = state;
        _revisionCounter = revisionCounter;
        _backing = backing;
        _sectorLocks = Enumerable.Range(0, SectorLockStripes).Select(_ => new SemaphoreSlim(1, 1)).ToArray();
    }

    /// <summary>The replica directory.</summary>
    public string DirectoryPath { get; }

    /// <summary>The volume size in bytes (<c>volume.meta</c> Size).</summary>
    public long VolumeSize => _state.Info.Size;

    /// <summary>The current head's file name, e.g. <c>volume-head-002.img</c>.</summary>
    public string HeadFileName => _state.Head;

    /// <summary>The live chain's file names, head first, down to the root; removed snapshots included.</summary>
    public IReadOnlyList<string> LiveChain => _state.ChainFrom(_state.Head);

    /// <summary>The revision counter's value, or null when the replica keeps none.</summary>
    public long? RevisionCount => _revisionCounter?.Value;

    /// <summary>
    /// Creates a replica of <paramref name="size"/> bytes in <paramref name="directory"/> (made with mode 0700 if
    /// missing): an empty <c>volume-head-000.img</c>, its meta and <c>volume.meta</c>. The replica is left open.
    /// </summary>
    public static Replica Create(string directory, long size, ReplicaOptions? options = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(directory);
        if (size <= 0 || size % SectorSize != 0)
        {
            throw new ArgumentOutOfRangeException(nameof(size), size, "the volume size must be a positive multiple of 4096");
        }

        options ??= new ReplicaOptions();
        if (File.Exists(Path.Combine(directory, DiskNames.VolumeMeta)))
        {
            throw new ReplicaException($"{directory} already holds a replica; open it instead");
        }

        Directory.CreateDirectory(directory, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        var head = DiskNames.FirstHead;
        var headMeta = new DiskMeta(head, Parent: "", Removed: false, UserCreated: false, Timestamp(options.TimeProvider), Labels: null);
        using (LayerFile.Create(Path.Combine(directory, head), size))
        {
            WriteMetaFile(directory, head + DiskNames.MetaSuffix, headMeta.ToJson());
        }

        var disks = new Dictionary<string, DiskMeta>(StringComparer.Ordinal) { [head] = headMeta };
        return Start(directory, options, new ReplicaState(VolumeMeta.New(size, head), disks));
    }

    /// <summary>
    /// Opens an existing replica directory, including one written by Longhorn: reads <c>volume.meta</c> and every
    /// other <c>*.meta</c>, checks the live chain, and marks the volume dirty while open, as Longhorn does.
    /// </summary>
    public static Replica Open(string directory, ReplicaOptions? options = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(directory);
        var volumeMetaPath = Path.Combine(directory, DiskNames.VolumeMeta);
        if (!File.Exists(volumeMetaPath))
        {
            throw new FileNotFoundException($"{directory} is not a replica directory: {DiskNames.VolumeMeta} is missing", volumeMetaPath);
        }

        var info = VolumeMeta.Parse(File.ReadAllBytes(volumeMetaPath));
        if (info.Size <= 0 || info.Size % VolumeMeta.ReplicaSectorSize != 0)
        {
            throw new InvalidDataException($"{volumeMetaPath}: size {info.Size} is not a positive multiple of 512");
        }

        var disks = new Dictionary<string, DiskMeta>(StringComparer.Ordinal);
        foreach (var path in Directory.EnumerateFiles(directory))
        {
            // Longhorn parses every *.meta as a layer, leftovers included.
            var fileName = Path.GetFileName(path);
            if (fileName != DiskNames.VolumeMeta && fileName.EndsWith(DiskNames.MetaSuffix, StringComparison.Ordinal))
            {
                var disk = fileName[..^DiskNames.MetaSuffix.Length];
                disks[disk] = DiskMeta.Parse(File.ReadAllBytes(path), disk);
            }
        }

        if (info.Head.Length == 0 || !disks.TryGetValue(info.Head, out var headMeta))
        {
            throw new InvalidDataException($"{volumeMetaPath}: failed to find metadata for head '{info.Head}'");
        }

        RemoveInterruptedSnapshotFiles(directory, info.Head, disks);

        var state = new ReplicaState(info with { Parent = headMeta.Parent }, disks);
        foreach (var disk in state.ChainFrom(info.Head))
        {
            if (!File.Exists(Path.Combine(directory, disk)))
            {
                throw new FileNotFoundException($"layer {disk} of the live chain is missing", Path.Combine(directory, disk));
            }
        }

        return Start(directory, options ?? new ReplicaOptions(), state);
    }

    /// <summary>
    /// What a snapshot taken when the process was killed leaves (see CreateSnapshotAsync; volume.meta naming the new head
    /// is the step that takes it): before that step, the new head's files and the snapshot's names for the live head's
    /// file, whose meta still names the live head (Longhorn's snapshot meta keeps the old head's Name); after it, the old
    /// head's names. None is in the live chain, and a leftover next head would make every later snapshot fail ("already
    /// exists"), so they go: any head that is not volume.meta's, any snapshot that is still a second name of the live head's
    /// file or that has no meta yet, and a full restore's snapshot nothing was put on. (The temp name a snapshot deletion
    /// links the folded parent to stays until that deletion is tried again, which removes it first: see Replace.)
    /// </summary>
    private static void RemoveInterruptedSnapshotFiles(string directory, string head, Dictionary<string, DiskMeta> disks)
    {
        // A head's or snapshot's .img is written before its meta, and removed before it: either name shows the layer.
        var leftovers = disks.Keys.Where(d => DiskNames.IsHead(d) && d != head).ToHashSet(StringComparer.Ordinal);
        foreach (var layer in Directory.EnumerateFiles(directory).Select(Path.GetFileName).OfType<string>())
        {
            if (DiskNames.IsHead(layer) && layer != head) leftovers.Add(layer);
            else if (DiskNames.IsSnapshot(layer) && !disks.ContainsKey(layer)) leftovers.Add(layer);
        }
        var parents = disks.Values.Where(d => !leftovers.Contains(d.Name)).Select(d => d.Parent).ToHashSet(StringComparer.Ordinal);
        foreach (var disk in disks.Keys.Where(d => !DiskNames.IsHead(d) && !parents.Contains(d)))
        {
            // A snapshot not yet taken is a second name of the live head's file. (Its meta names the live head too, but
            // that proves nothing: head numbers wrap (NextHead), so an old snapshot's meta may name today's head.)
            if (File.Exists(Path.Combine(directory, disk)) && SparseFileNative.SameFile(Path.Combine(directory, disk), Path.Combine(directory, head)))
                leftovers.Add(disk);
            // A restore's snapshot meta has no Name; one nothing stands on is a full restore stopped before the revert
            // onto it (every layer of a restored replica descends from it once it is taken, and a full restore needs an
            // empty replica, so there is never a second).
            else if (DiskMeta.StoredName(File.ReadAllBytes(Path.Combine(directory, disk + DiskNames.MetaSuffix)), disk).Length == 0)
                leftovers.Add(disk);
        }
        foreach (var layer in leftovers)
        {
            DeleteLayerFiles(directory, layer);
            disks.Remove(layer);
        }
    }

    /// <summary>Writes through the head; a partial 4 KiB sector first takes the rest of its bytes from the chain.</summary>
    public async ValueTask WriteAsync(long offset, ReadOnlyMemory<byte> data, CancellationToken cancellationToken = default)
    {
        using var pass = await EnterAsync(exclusive: false, cancellationToken).ConfigureAwait(false);
        CheckRange(offset, data.Length, VolumeSize);
        if (data.IsEmpty)
        {
            return;
        }

        var chain = _live;
        var end = offset + data.Length;
        var firstWhole = LayerFile.AlignUp(offset);
        var lastWhole = LayerFile.AlignDown(end);
        if (firstWhole > lastWhole)
        {
            await PatchSectorAsync(chain, lastWhole, offset, data, cancellationToken).ConfigureAwait(false);
        }
        else
        {
            if (offset < firstWhole)
            {
                await PatchSectorAsync(chain, firstWhole - SectorSize, offset, data[..(int)(firstWhole - offset)], cancellationToken)
                    .ConfigureAwait(false);
            }

            if (lastWhole > firstWhole)
            {
                await chain.Top.WriteAsync(firstWhole, data.Slice((int)(firstWhole - offset), (int)(lastWhole - firstWhole)), cancellationToken)
                    .ConfigureAwait(false);
            }

            if (end > lastWhole)
            {
                await PatchSectorAsync(chain, lastWhole, lastWhole, data[(int)(lastWhole - offset)..], cancellationToken)
                    .ConfigureAwait(false);
            }
        }

        _revisionCounter?.Increment();
    }

    /// <summary>Reads the live volume: each 4 KiB sector from the newest layer that has data there.</summary>
    public async ValueTask ReadAsync(long offset, Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        using var pass = await EnterAsync(exclusive: false, cancellationToken).ConfigureAwait(false);
        CheckRange(offset, buffer.Length, VolumeSize);
        await _live.ReadAsync(offset, buffer, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>The allocated extents of one file in the directory (what <c>filefrag</c> shows), for inspection.</summary>
    public IReadOnlyList<FileExtent> GetAllocatedExtents(string fileName)
    {
        DiskNames.ValidateName(fileName, nameof(fileName));
        using var file = LayerFile.Open(PathOf(fileName), writable: false);
        return file.DataExtents(0, file.Length).ToList();
    }

    /// <inheritdoc />
    public ValueTask<bool> HasSnapshotAsync(string snapshotName, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(snapshotName);
        return ValueTask.FromResult(_state.Disks.ContainsKey(DiskNames.Snapshot(snapshotName)));
    }

    /// <summary>Opens the snapshot's own chain for diffing and reading (Longhorn's OpenSnapshot), removed layers included.</summary>
    public async ValueTask<ISnapshotReader> OpenSnapshotAsync(string snapshotName, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(snapshotName);
        using var pass = await EnterAsync(exclusive: false, cancellationToken).ConfigureAwait(false);
        var state = _state;
        var disk = DiskNames.Snapshot(snapshotName);
        if (!state.Disks.ContainsKey(disk))
        {
            throw new ReplicaException($"snapshot {snapshotName} does not exist in replica {DirectoryPath}");
        }

        var names = state.ChainFrom(disk).Reverse().ToList();
        var files = new List<LayerFile>(names.Count + 1);
        try
        {
            foreach (var name in names)
            {
                files.Add(LayerFile.Open(PathOf(name), writable: false));
            }

            var layers = files.ToList();
            var backing = OpenBackingFile(state.Info.BackingFilePath);
            if (backing is not null)
            {
                files.Add(backing);
            }

            return new ReplicaSnapshotReader(names, files, new LayerChain(layers, backing), state.Info.Size);
        }
        catch
        {
            files.ForEach(file => file.Dispose());
            throw;
        }
    }

    /// <summary>Closes the replica cleanly: <c>volume.meta</c> is rewritten with <c>Dirty:false</c>.</summary>
    public async ValueTask DisposeAsync()
    {
        if (_disposed)
        {
            return;
        }

        using var pass = await _gate.EnterExclusiveAsync(CancellationToken.None).ConfigureAwait(false);
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        try
        {
            WriteVolumeMeta(_state.Info with { Dirty = false });
        }
        finally
        {
            CloseAll();
        }
    }

    internal static void CheckRange(long offset, long length, long volumeSize)
    {
        if (offset < 0 || length < 0 || offset > volumeSize - length)
        {
            throw new ArgumentOutOfRangeException(
                nameof(offset), offset, $"[{offset}, {offset}+{length}) is outside the {volumeSize}-byte volume");
        }
    }

    private static Replica Start(string directory, ReplicaOptions options, ReplicaState state)
    {
        LayerFile? backing = null;
        RevisionCounter? revisionCounter = null;
        Replica? replica = null;
        try
        {
            backing = OpenBackingFile(state.Info.BackingFilePath);
            if (options.EnableRevisionCounter)
            {
                revisionCounter = RevisionCounter.Open(Path.Combine(directory, DiskNames.RevisionCounter));
            }

            replica = new Replica(directory, options.TimeProvider, state, revisionCounter, backing);
            replica.Publish(state);
            replica.WriteVolumeMeta(state.Info with { Dirty = true });
            return replica;
        }
        catch
        {
            if (replica is not null)
            {
                replica.CloseAll();
            }
            else
            {
                backing?.Dispose();
                revisionCounter?.Dispose();
            }

            throw;
        }
    }

    private static LayerFile? OpenBackingFile(string path)
    {
        if (path.Length == 0)
        {
            return null;
        }

        if (!File.Exists(path))
        {
            throw new FileNotFoundException($"the volume's backing file {path} is missing", path);
        }

        ReadOnlySpan<byte> qcow2Magic = [(byte)'Q', (byte)'F', (byte)'I', 0xFB];
        Span<byte> magic = stackalloc byte[4];
        using (var probe = File.OpenHandle(path))
        {
            if (RandomAccess.Read(probe, magic, 0) == magic.Length && magic.SequenceEqual(qcow2Magic))
            {
                throw new NotSupportedException($"the backing file {path} is qcow2; only raw backing files are supported");
            }
        }

        return LayerFile.Open(path, writable: false);
    }

    private static string Timestamp(TimeProvider time) =>
        time.GetUtcNow().UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);

    /// <summary>Longhorn's encodeToFile: write <c>name.tmp</c>, then rename over the real name.</summary>
    private static void WriteMetaFile(string directory, string name, ReadOnlySpan<byte> content)
    {
        var path = Path.Combine(directory, name);
        var temporary = path + DiskNames.TmpSuffix;
        File.WriteAllBytes(temporary, content);
        File.Move(temporary, path, overwrite: true);
    }

    private async ValueTask<ReplicaGate.Pass> EnterAsync(bool exclusive, CancellationToken cancellationToken)
    {
        ThrowIfDisposed();
        var pass = exclusive
            ? await _gate.EnterExclusiveAsync(cancellationToken).ConfigureAwait(false)
            : await _gate.EnterSharedAsync(cancellationToken).ConfigureAwait(false);
        if (_disposed)
        {
            pass.Dispose();
            ThrowIfDisposed();
        }

        return pass;
    }

    private void ThrowIfDisposed() => ObjectDisposedException.ThrowIf(_disposed, this);

    private async ValueTask PatchSectorAsync(
        LayerChain chain, long sector, long writeOffset, ReadOnlyMemory<byte> bytes, CancellationToken cancellationToken)
    {
        // Two partial writes into one sector must not both read the old sector and then overwrite each other.
        var stripe = _sectorLocks[(int)(sector / SectorSize % SectorLockStripes)];
        await stripe.WaitAsync(cancellationToken).ConfigureAwait(false);
        var buffer = ArrayPool<byte>.Shared.Rent(SectorSize);
        try
        {
            var whole = buffer.AsMemory(0, (int)Math.Min(SectorSize, VolumeSize - sector));
            await chain.ReadAsync(sector, whole, cancellationToken).ConfigureAwait(false);
            bytes.CopyTo(whole[(int)(writeOffset - sector)..]);
            await chain.Top.WriteAsync(sector, whole, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
            stripe.Release();
        }
    }

    /// <summary>Makes <paramref name="state"/> current, rebuilds the live chain and closes handles no layer uses.</summary>
    private void Publish(ReplicaState state)
    {
        var layers = state.ChainFrom(state.Head).Reverse().Select(GetOrOpen).ToList();
        _live = new LayerChain(layers, _backing);
        _state = state;
        foreach (var name in _files.Keys.Where(name => !state.Disks.ContainsKey(name)).ToList())
        {
            CloseFile(name);
        }
    }

    private LayerFile GetOrOpen(string disk)
    {
        if (!_files.TryGetValue(disk, out var file))
        {
            file = LayerFile.Open(PathOf(disk), writable: true);
            _files[disk] = file;
        }

        return file;
    }

    private void CloseFile(string disk)
    {
        if (_files.Remove(disk, out var file))
        {
            file.Dispose();
        }
    }

    private void CloseAll()
    {
        foreach (var file in _files.Values)
        {
            file.Dispose();
        }

        _files.Clear();
        _backing?.Dispose();
        _revisionCounter?.Dispose();
    }

    private void DeleteLayerFiles(string disk) => DeleteLayerFiles(DirectoryPath, disk);

    private static void DeleteLayerFiles(string directory, string disk)
    {
        File.Delete(Path.Combine(directory, disk));
        File.Delete(Path.Combine(directory, disk + DiskNames.MetaSuffix));
        File.Delete(Path.Combine(directory, disk + DiskNames.ChecksumSuffix));
    }

    private void WriteVolumeMeta(VolumeMeta info) => WriteMetaFile(DiskNames.VolumeMeta, info.ToJson());

    private void TryWriteVolumeMeta(VolumeMeta info)
    {
        try
        {
            WriteVolumeMeta(info);
        }
        catch (IOException)
        {
            // Best effort while rolling back; the original failure is the one to report.
        }
    }

    private void WriteMetaFile(string name, ReadOnlySpan<byte> content) => WriteMetaFile(DirectoryPath, name, content);

    private string PathOf(string name) => Path.Combine(DirectoryPath, name);

    /// <summary>
    /// Called with a step's name once that step of a multi-file change is on disk; the crash tests throw from it to stop
    /// the change there, as a kill would, and open the directory again.
    /// </summary>
    internal Action<string>? AfterStep { get; set; }

    private string Now() => Timestamp(_time);
}

/// <summary>What a crash test throws from <see cref="Replica.AfterStep"/>: like a kill, it skips every rollback.</summary>
internal sealed class ReplicaKilledException(string step) : Exception($"killed after: {step}");
