using System.Globalization;
using System.Text;
using Microsoft.Win32.SafeHandles;

namespace Longhorn.Simulator.Replicas;

/// <summary><c>revision.counter</c>: one 4096-byte block holding the decimal count of writes, then NULs.</summary>
internal sealed class RevisionCounter : IDisposable
{
    private const int BlockSize = 4096;

    private readonly SafeFileHandle _handle;
    private readonly Lock _sync = new();
    private long _value;

    private RevisionCounter(SafeFileHandle handle, long value)
    {
        _handle = handle;
        _value = value;
    }

    public long Value
    {
        get
        {
            lock (_sync)
            {
                return _value;
            }
        }
    }

    /// <summary>Opens the counter, starting it at "0" when the file does not exist yet (initRevisionCounter).</summary>
    public static RevisionCounter Open(string path)
    {
        var existed = File.Exists(path);
        var handle = File.OpenHandle(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.ReadWrite);
        try
        {
            if (!existed)
            {
                File.SetUnixFileMode(handle, UnixFileMode.UserRead | UnixFileMode.UserWrite);
            }

            var counter = new RevisionCounter(handle, existed ? Read(handle, path) : 0);
            if (!existed)
            {
                counter.Write(0);
            }

            return counter;
        }
        catch
        {
            handle.Dispose();
            throw;
        }
    }

    /// <summary>One more write, persisted before returning; serialized so the file never goes backwards.</summary>
    public void Increment()
    {
        lock (_sync)
        {
            Write(++_value);
        }
    }

    public void Dispose() => _handle.Dispose();

    private void Write(long value)
    {
        Span<byte> block = stackalloc byte[BlockSize];
        block.Clear();
        Encoding.ASCII.GetBytes(value.ToString(CultureInfo.InvariantCulture), block);
        RandomAccess.Write(_handle, block, 0);
    }

    private static long Read(SafeFileHandle handle, string path)
    {
        Span<byte> block = stackalloc byte[BlockSize];
        var read = RandomAccess.Read(handle, block, 0);
        var text = Encoding.ASCII.GetString(block[..read]).Trim('\0');
        return long.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var value)
            ? value
            : throw new InvalidDataException($"{path}: '{text}' is not a revision count");
    }
}
