using System.Buffers;
using Longhorn.Engine.Store;

namespace Longhorn.Engine.Blocks;

/// <summary>
/// Reads one block object, decompresses it (falling back between gzip and lz4 as Go does) and checks that the
/// SHA-512 prefix of the decompressed bytes equals its id and that it fills exactly one block.
/// </summary>
internal static class BlockReader
{
    /// <summary>
    /// Reads the block with one request: the read answers whether the block exists and how long it is (the length of a
    /// file, or of an S3 body read whole), so no request asks it first. A stream that cannot say its length is read
    /// into a growing buffer, up to what no encoding of a block exceeds.
    /// </summary>
    public static async Task ReadVerifiedAsync(IBackupStoreDriver driver, string path, string blockId, CompressionMethod method,
        BlockCodec codec, Memory<byte> destination, CancellationToken cancellationToken)
    {
        Stream stream;
        try
        {
            stream = await driver.ReadAsync(path, cancellationToken).ConfigureAwait(false);
        }
        catch (BackupStoreNotFoundException e)
        {
            throw new BackupStoreNotFoundException($"block {path} is missing from backupstore {driver.Url}", e);
        }
        byte[]? stored = null;
        try
        {
            var length = 0;
            await using (stream.ConfigureAwait(false))
            {
                var known = stream.CanSeek ? stream.Length : -1;
                var limit = known >= 0 ? known + 1 : LargestEncoding(destination.Length);
                stored = ArrayPool<byte>.Shared.Rent((int)(known >= 0 ? limit : Math.Min(limit, destination.Length + 1L)));
                while (true)
                {
                    if (length >= limit)
                        throw new BackupStoreCorruptException(known >= 0
                            ? $"block {path} grew while it was read"
                            : $"block {path} holds more than {limit - 1} bytes, more than any encoding of a block");
                    if (length == stored.Length)
                    {
                        var larger = ArrayPool<byte>.Shared.Rent((int)Math.Min(limit, 2L * stored.Length));
                        stored.AsSpan(0, length).CopyTo(larger);
                        ArrayPool<byte>.Shared.Return(stored);
                        stored = larger;
                    }
                    var n = await stream.ReadAsync(stored.AsMemory(length, (int)Math.Min(stored.Length - length, limit - length)),
                        cancellationToken).ConfigureAwait(false);
                    if (n == 0) break;
                    length += n;
                }
            }
            var decompressed = Decompress(stored.AsSpan(0, length), method, codec, destination.Span, path);
            var actual = BlockId.Compute(destination.Span[..decompressed]);
            if (actual != blockId)
                throw new BackupStoreCorruptException(
                    $"checksum verification failed for block {path}: content hashes to {actual}") { IsChecksumMismatch = true };
            if (decompressed != destination.Length)
                throw new BackupStoreCorruptException(
                    $"block {path} decompresses to {decompressed} bytes, not the block size {destination.Length}");
        }
        finally
        {
            if (stored is not null) ArrayPool<byte>.Shared.Return(stored);
        }
    }

    /// <summary>More bytes than any compression of a block of this size takes (gzip's and lz4's worst cases are a few per cent over it).</summary>
    private static long LargestEncoding(int blockSize) => 2L * blockSize + 1024 * 1024 + 1;

    private static int Decompress(ReadOnlySpan<byte> stored, CompressionMethod method, BlockCodec codec, Span<byte> destination, string path)
    {
        try
        {
            return codec.Decompress(stored, method, destination);
        }
        catch (InvalidDataException first) when (method is CompressionMethod.Gzip or CompressionMethod.Lz4)
        {
            // Go retries a gzip header error as lz4 and an lz4 bad magic as gzip.
            var other = method == CompressionMethod.Gzip ? CompressionMethod.Lz4 : CompressionMethod.Gzip;
            try
            {
                return codec.Decompress(stored, other, destination);
            }
            catch (InvalidDataException)
            {
                throw new BackupStoreCorruptException($"cannot decompress block {path} as {method.ToWire()}: {first.Message}", first);
            }
        }
        catch (InvalidDataException e)
        {
            throw new BackupStoreCorruptException($"cannot decode block {path}: {e.Message}", e);
        }
    }
}
