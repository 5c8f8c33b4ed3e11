using System.Text;
using System.Text.Json;
using Longhorn.Engine;
using Longhorn.Engine.Store;

namespace Longhorn.Functions.ControlPlane.Targets;

/// <summary>One lock or temp file this host writes to a backup target: the target's name, its store URL, the store path.</summary>
public sealed record StoreFileEntry(string Target, string Url, string Path);

/// <summary>
/// The lock and temp files this host is writing to its backup targets, in <c>&lt;data dir&gt;/store-files.journal</c> (0600):
/// one JSON line appended before each file can appear (<c>+</c>) and one once it is gone (<c>-</c>). Each line is written
/// straight to the file (no buffer in the process), so a host killed at any point leaves every file it may have left in the
/// journal; at the next start the entries still open are <see cref="Leftovers"/>, which <see cref="LeftoverStoreFiles"/>
/// removes. Only this host's own files are ever recorded, so a rival's lock is never among them. The file is rewritten
/// with only the open entries when it grows past a size, so it stays small however long the host runs.
/// </summary>
public sealed class StoreFileJournal : IDisposable
{
    private const long CompactAbove = 1 << 20;
    private const UnixFileMode OwnerFile = UnixFileMode.UserRead | UnixFileMode.UserWrite;
    private readonly string _path;
    private readonly Lock _gate = new();
    private readonly HashSet<StoreFileEntry> _open = [];
    private FileStream _file;

    public StoreFileJournal(string path)
    {
        _path = path;
        Directory.CreateDirectory(System.IO.Path.GetDirectoryName(path)!);
        if (File.Exists(path)) Replay(path, _open);
        Leftovers = [.. _open];
        _file = Rewrite();
    }

    /// <summary>The files a previous run recorded and never saw gone: it was killed, or their removal failed.</summary>
    public IReadOnlyList<StoreFileEntry> Leftovers { get; }

    /// <summary>The entries still open, in no order (for tests and the leftover cleanup).</summary>
    public IReadOnlyList<StoreFileEntry> Open
    {
        get
        {
            lock (_gate) return [.. _open];
        }
    }

    /// <summary>The engine's view for one target: what it records is filed under the target's name.</summary>
    public IStoreFileJournal For(string targetName) => new TargetJournal(this, targetName);

    public void Record(StoreFileEntry entry)
    {
        lock (_gate)
        {
            if (_open.Add(entry)) Append('+', entry);
        }
    }

    public void Forget(StoreFileEntry entry)
    {
        lock (_gate)
        {
            if (!_open.Remove(entry)) return;
            Append('-', entry);
            if (_file.Length > CompactAbove)
            {
                _file.Dispose();
                _file = Rewrite();
            }
        }
    }

    public void Dispose()
    {
        lock (_gate) _file.Dispose();
    }

    private void Append(char op, StoreFileEntry entry)
    {
        try
        {
            _file.Write(Line(op, entry));
        }
        catch (IOException e)
        {
            // Nothing may be written to the store that the journal could not record.
            throw new BackupStoreException($"cannot record {entry.Path} of backup target {entry.Target} in {_path}: {e.Message}", e);
        }
    }

    /// <summary>Writes the open entries to a new file, flushed to disk, and renames it over the journal; returns it for appending.</summary>
    private FileStream Rewrite()
    {
        var next = _path + ".next";
        using (var fresh = new FileStream(next, new FileStreamOptions
               {
                   Mode = FileMode.Create, Access = FileAccess.Write, UnixCreateMode = OperatingSystem.IsWindows() ? null : OwnerFile,
               }))
        {
            foreach (var entry in _open) fresh.Write(Line('+', entry));
            fresh.Flush(flushToDisk: true);
        }
        File.Move(next, _path, overwrite: true);
        if (!OperatingSystem.IsWindows()) File.SetUnixFileMode(_path, OwnerFile);
        // No buffer: each line reaches the kernel when Write returns, which is what survives a SIGKILL.
        return new FileStream(_path, FileMode.Append, FileAccess.Write, FileShare.Read, bufferSize: 0);
    }

    private static byte[] Line(char op, StoreFileEntry entry) =>
        Encoding.UTF8.GetBytes(JsonSerializer.Serialize(new JournalLine(op.ToString(), entry.Target, entry.Url, entry.Path)) + "\n");

    private static void Replay(string path, HashSet<StoreFileEntry> open)
    {
        foreach (var text in File.ReadLines(path))
        {
            JournalLine? line;
            try
            {
                line = JsonSerializer.Deserialize<JournalLine>(text);
            }
            catch (JsonException)
            {
                continue; // The last line of a killed host may be cut short; a line never written names no file.
            }
            if (line is not { Target: not null, Url: not null, Path: not null }) continue;
            var entry = new StoreFileEntry(line.Target, line.Url, line.Path);
            if (line.Op == "+") open.Add(entry);
            else if (line.Op == "-") open.Remove(entry);
        }
    }

    private sealed record JournalLine(string Op, string Target, string Url, string Path);

    private sealed class TargetJournal(StoreFileJournal journal, string target) : IStoreFileJournal
    {
        public void Writing(string storeUrl, string path) => journal.Record(new StoreFileEntry(target, storeUrl, path));

        public void Gone(string storeUrl, string path) => journal.Forget(new StoreFileEntry(target, storeUrl, path));
    }
}
