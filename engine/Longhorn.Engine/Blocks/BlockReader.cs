using System.Buffers;
using Longhorn.Engine.Store;

namespace Longhorn.Engine.Blocks;

/// <summary>
/// Reads one block object, decompresses it (falling back between gzip and lz4 as Go does) and checks that the
/// SHA-512 prefix of the decompressed bytes equals its id and that it fills exactly one block.
/// </summary>
internal static class BlockReader
{
    public static async Task ReadVerifiedAsync(IBackupStoreDriver driver, string path, string blockId, CompressionMethod method,
        BlockCodec codec, Memory<byte> destination, CancellationToken cancellationToken)
    {
        var size = await driver.FileSizeAsync(path, cancellationToken).ConfigureAwait(false);
        if (size < 0) throw new BackupStoreNotFoundException($"block {path} is missing from backupstore {driver.Url}");
        var capacity = (int)Math.Min(Math.Max(size, 0) + 1, int.MaxValue);
        var stored = ArrayPool<byte>.Shared.Rent(capacity);
        try
        {
            var length = 0;
            await using (var stream = await driver.ReadAsync(path, cancellationToken).ConfigureAwait(false))
            {
                while (true)
                {
                    if (length == stored.Length)
                        throw new BackupStoreCorruptException($"block {path} grew while it was read");
                    var n = await stream.ReadAsync(stored.AsMemory(length), cancellationToken).ConfigureAwait(false);
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
            ArrayPool<byte>.Shared.Return(stored);
        }
    }

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
