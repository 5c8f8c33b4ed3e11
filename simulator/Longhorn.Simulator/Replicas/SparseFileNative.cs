using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;

namespace Longhorn.Simulator.Replicas;

/// <summary>The Linux calls .NET has no API for: finding allocated ranges, punching holes and hard links.</summary>
internal static partial class SparseFileNative
{
    private const int SeekDataWhence = 3;
    private const int SeekHoleWhence = 4;
    private const int FallocKeepSize = 0x01;
    private const int FallocPunchHole = 0x02;
    private const int ErrnoNoSuchDeviceOrAddress = 6; // ENXIO: no data at or after the offset

    /// <summary>The start of the first allocated byte at or after <paramref name="offset"/>, or -1 when there is none.</summary>
    public static long SeekData(SafeFileHandle file, long offset)
    {
        var result = lseek(file, offset, SeekDataWhence);
        if (result >= 0)
        {
            return result;
        }

        var errno = Marshal.GetLastPInvokeError();
        if (errno == ErrnoNoSuchDeviceOrAddress)
        {
            return -1;
        }

        throw Failure("lseek(SEEK_DATA)", errno);
    }

    /// <summary>The start of the first hole at or after <paramref name="offset"/>; end of file counts as a hole.</summary>
    public static long SeekHole(SafeFileHandle file, long offset)
    {
        var result = lseek(file, offset, SeekHoleWhence);
        return result >= 0 ? result : throw Failure("lseek(SEEK_HOLE)", Marshal.GetLastPInvokeError());
    }

    /// <summary>Deallocates a range without changing the file size; it then reads as zeros and counts as a hole.</summary>
    public static void PunchHole(SafeFileHandle file, long offset, long length)
    {
        if (fallocate(file, FallocKeepSize | FallocPunchHole, offset, length) != 0)
        {
            throw Failure("fallocate(PUNCH_HOLE)", Marshal.GetLastPInvokeError());
        }
    }

    /// <summary>Creates <paramref name="newPath"/> as a second name of the file at <paramref name="existingPath"/>.</summary>
    public static void Link(string existingPath, string newPath)
    {
        if (link(existingPath, newPath) != 0)
        {
            throw Failure($"link({existingPath}, {newPath})", Marshal.GetLastPInvokeError());
        }
    }

    /// <summary>
    /// Whether two paths name the same file (one was linked to the other): the same device and inode. 64-bit Linux's
    /// <c>struct stat</c> starts with <c>st_dev</c> and <c>st_ino</c>, 8 bytes each, on x86-64 and arm64 alike.
    /// </summary>
    public static unsafe bool SameFile(string a, string b)
    {
        var first = stackalloc byte[256];
        var second = stackalloc byte[256];
        if (stat(a, first) != 0) throw Failure($"stat({a})", Marshal.GetLastPInvokeError());
        if (stat(b, second) != 0) throw Failure($"stat({b})", Marshal.GetLastPInvokeError());
        return ((long*)first)[0] == ((long*)second)[0] && ((long*)first)[1] == ((long*)second)[1];
    }

    private static IOException Failure(string call, int errno) =>
        new($"{call} failed: {Marshal.GetPInvokeErrorMessage(errno)} (errno {errno})");

    [LibraryImport("libc", SetLastError = true)]
    private static partial long lseek(SafeFileHandle fd, long offset, int whence);

    [LibraryImport("libc", SetLastError = true)]
    private static partial int fallocate(SafeFileHandle fd, int mode, long offset, long length);

    [LibraryImport("libc", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int link(string oldPath, string newPath);

    [LibraryImport("libc", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static unsafe partial int stat(string path, byte* buffer);
}
