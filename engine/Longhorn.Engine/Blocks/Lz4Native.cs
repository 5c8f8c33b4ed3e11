using System.Runtime.InteropServices;

namespace Longhorn.Engine.Blocks;

/// <summary>P/Invoke of the system liblz4's LZ4F frame API (Debian liblz4-1, 1.9.x).</summary>
internal static partial class Lz4Native
{
    private const string Library = "liblz4.so.1";
    public const uint Version = 100;
    public const int BlockSizeMax4MB = 7;
    public const int BlockIndependent = 1;

    [StructLayout(LayoutKind.Sequential)]
    public struct FrameInfo
    {
        public int BlockSizeId;
        public int BlockMode;
        public int ContentChecksumFlag;
        public int FrameType;
        public ulong ContentSize;
        public uint DictId;
        public int BlockChecksumFlag;
    }

    [StructLayout(LayoutKind.Sequential)]
    public struct Preferences
    {
        public FrameInfo FrameInfo;
        public int CompressionLevel;
        public uint AutoFlush;
        public uint FavorDecSpeed;
        public uint Reserved0;
        public uint Reserved1;
        public uint Reserved2;
    }

    [LibraryImport(Library, EntryPoint = "LZ4F_compressFrameBound")]
    public static partial nuint CompressFrameBound(nuint srcSize, in Preferences preferences);

    [LibraryImport(Library, EntryPoint = "LZ4F_compressFrame")]
    public static unsafe partial nuint CompressFrame(byte* dst, nuint dstCapacity, byte* src, nuint srcSize, in Preferences preferences);

    [LibraryImport(Library, EntryPoint = "LZ4F_isError")]
    public static partial uint IsError(nuint code);

    [LibraryImport(Library, EntryPoint = "LZ4F_getErrorName")]
    public static partial nint GetErrorName(nuint code);

    [LibraryImport(Library, EntryPoint = "LZ4F_createDecompressionContext")]
    public static partial nuint CreateDecompressionContext(out nint context, uint version);

    [LibraryImport(Library, EntryPoint = "LZ4F_freeDecompressionContext")]
    public static partial nuint FreeDecompressionContext(nint context);

    [LibraryImport(Library, EntryPoint = "LZ4F_resetDecompressionContext")]
    public static partial void ResetDecompressionContext(nint context);

    [LibraryImport(Library, EntryPoint = "LZ4F_decompress")]
    public static unsafe partial nuint Decompress(nint context, byte* dst, ref nuint dstSize, byte* src, ref nuint srcSize, nint options);

    public static string ErrorName(nuint code) => Marshal.PtrToStringAnsi(GetErrorName(code)) ?? "unknown lz4 error";
}
