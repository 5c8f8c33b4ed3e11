using System.Buffers;
using Longhorn.Engine.Backups;
using Longhorn.Engine.Blocks;
using Longhorn.Engine.Format;
using Longhorn.Engine.Tests.Support;

namespace Longhorn.Engine.Tests.Safety;

/// <summary>
/// What restore accepts as a block: exactly one block of bytes hashing to its id, decoded by the volume's method or the
/// other one (as Go falls back); anything else fails with an error naming the block, never a misread block.
/// </summary>
public sealed class BlockDecodingTests : IDisposable
{
    private const int MiB = 1024 * 1024;
    private readonly InterceptingDriver _driver;
    private readonly TestStore _bs;

    public BlockDecodingTests()
    {
        InterceptingDriver? driver = null;
        _bs = new TestStore(d => driver = new InterceptingDriver(d), new BackupStoreOptions { RestoreRetryDelays = [] });
        _driver = driver!;
    }

    public void Dispose() => _bs.Dispose();

    private static byte[] Block(int seed)
    {
        var block = new byte[2 * MiB];
        new Random(seed).NextBytes(block.AsSpan(0, MiB));
        return block;
    }

    private async Task<(BackupResult Backup, string Path, byte[] Block)> OneBlockBackupAsync(CompressionMethod method)
    {
        var source = new MemorySnapshotSource(2 * MiB);
        var block = Block(1);
        source.Write(0, block);
        source.Snapshot("s");
        var backup = await _bs.Store.CreateBackupAsync(new BackupRequest { VolumeName = "vol1", SnapshotName = "s", Compression = method }, source);
        return (backup, StorePaths.Block("vol1", backup.Config.Blocks[0].BlockChecksum), block);
    }

    [Fact]
    public async Task Concatenated_lz4_frames_decode_one_after_another()
    {
        var (backup, path, block) = await OneBlockBackupAsync(CompressionMethod.Lz4);
        using var codec = new BlockCodec(MiB);
        var first = codec.Compress(block.AsSpan(0, MiB), CompressionMethod.Lz4).ToArray();
        var second = codec.Compress(block.AsSpan(MiB), CompressionMethod.Lz4).ToArray();
        await _bs.Driver.WriteAsync(path, first.Concat(second).ToArray(), default);
        Assert.Equal(block, await _bs.RestoreToBytesAsync("vol1", backup.BackupName));
    }

    [Theory]
    [InlineData(CompressionMethod.Lz4)]
    [InlineData(CompressionMethod.Gzip)]
    public async Task A_frame_that_decodes_to_more_than_a_block_is_rejected(CompressionMethod method)
    {
        var (backup, path, block) = await OneBlockBackupAsync(method);
        using var codec = new BlockCodec(4 * MiB);
        await _bs.Driver.WriteAsync(path, codec.Compress(block.Concat(new byte[1]).ToArray(), method).ToArray(), default);
        var e = await Assert.ThrowsAsync<BackupStoreCorruptException>(() => _bs.RestoreToBytesAsync("vol1", backup.BackupName));
        Assert.Contains(path, e.Message);
        Assert.Contains("larger than the block size 2097152", e.Message);
    }

    [Theory]
    [InlineData(CompressionMethod.Lz4)]
    [InlineData(CompressionMethod.Gzip)]
    public async Task A_frame_that_decodes_to_less_than_a_block_is_rejected(CompressionMethod method)
    {
        var (backup, _, _) = await OneBlockBackupAsync(method);
        using var codec = new BlockCodec(2 * MiB);
        var shorter = new byte[MiB];
        // Named by its own hash, so only the size check can catch it.
        var id = BlockId.Compute(shorter);
        var cfgPath = StorePaths.BackupConfig("vol1", backup.BackupName);
        var cfg = BackupConfig.FromJson(await _bs.ReadBytesAsync(cfgPath));
        await _bs.Driver.WriteAsync(cfgPath, (cfg with { Blocks = [new BackupBlock(0, id)] }).ToJson(), default);
        await _bs.Driver.WriteAsync(StorePaths.Block("vol1", id), codec.Compress(shorter, method).ToArray(), default);
        var e = await Assert.ThrowsAsync<BackupStoreCorruptException>(() => _bs.RestoreToBytesAsync("vol1", backup.BackupName));
        Assert.Equal($"block {StorePaths.Block("vol1", id)} decompresses to {MiB} bytes, not the block size {2 * MiB}", e.Message);
        Assert.False(e.IsChecksumMismatch);
    }

    [Theory]
    [InlineData(CompressionMethod.Lz4, "cannot decompress block {0} as lz4: lz4: bad magic number")]
    [InlineData(CompressionMethod.Gzip, "cannot decompress block {0} as gzip: gzip: invalid header")]
    [InlineData(CompressionMethod.None, "cannot decode block {0}: block is 2097153 bytes, larger than the block size 2097152")]
    public async Task Bytes_no_decoder_takes_fail_naming_the_block_and_the_method(CompressionMethod method, string expected)
    {
        var (backup, path, _) = await OneBlockBackupAsync(method);
        await _bs.Driver.WriteAsync(path, new byte[2 * MiB + 1], default);
        var e = await Assert.ThrowsAsync<BackupStoreCorruptException>(() => _bs.RestoreToBytesAsync("vol1", backup.BackupName));
        Assert.Equal(string.Format(System.Globalization.CultureInfo.InvariantCulture, expected, path), e.Message);
    }

    [Theory]
    [InlineData(CompressionMethod.Lz4, "00224d18", "lz4: bad magic number")]
    [InlineData(CompressionMethod.Lz4, "04004d18", "lz4: bad magic number")]
    [InlineData(CompressionMethod.Lz4, "04220018", "lz4: bad magic number")]
    [InlineData(CompressionMethod.Lz4, "04224d00", "lz4: bad magic number")]
    [InlineData(CompressionMethod.Lz4, "04224d", "lz4: bad magic number")]
    [InlineData(CompressionMethod.Lz4, "04224d18", "lz4: truncated frame")]
    [InlineData(CompressionMethod.Gzip, "008b", "gzip: invalid header")]
    [InlineData(CompressionMethod.Gzip, "1f00", "gzip: invalid header")]
    [InlineData(CompressionMethod.Gzip, "1f", "gzip: invalid header")]
    public async Task A_block_one_byte_off_its_methods_magic_number_is_refused_by_the_header_check(CompressionMethod method, string hex, string reason)
    {
        var (backup, path, _) = await OneBlockBackupAsync(method);
        await _bs.Driver.WriteAsync(path, Convert.FromHexString(hex), default);
        var e = await Assert.ThrowsAsync<BackupStoreCorruptException>(() => _bs.RestoreToBytesAsync("vol1", backup.BackupName));
        Assert.Equal($"cannot decompress block {path} as {method.ToWire()}: {reason}", e.Message);
    }

    [Fact]
    public async Task A_frame_whose_header_checksum_is_wrong_fails_with_liblz4s_error_naming_the_block()
    {
        var (backup, path, _) = await OneBlockBackupAsync(CompressionMethod.Lz4);
        var stored = await _bs.ReadBytesAsync(path);
        // Byte 6 is the frame descriptor's checksum (magic, FLG, BD, HC).
        stored[6] ^= 0xff;
        await _bs.Driver.WriteAsync(path, stored, default);
        var e = await Assert.ThrowsAsync<BackupStoreCorruptException>(() => _bs.RestoreToBytesAsync("vol1", backup.BackupName));
        Assert.Equal($"cannot decompress block {path} as lz4: lz4: ERROR_headerChecksum_invalid", e.Message);
    }

    [Fact]
    public async Task Bytes_after_a_whole_lz4_frame_are_a_truncated_second_frame_not_ignored()
    {
        var (backup, path, _) = await OneBlockBackupAsync(CompressionMethod.Lz4);
        var stored = await _bs.ReadBytesAsync(path);
        await _bs.Driver.WriteAsync(path, stored.Concat("xyz"u8.ToArray()).ToArray(), default);
        var e = await Assert.ThrowsAsync<BackupStoreCorruptException>(() => _bs.RestoreToBytesAsync("vol1", backup.BackupName));
        Assert.Equal($"cannot decompress block {path} as lz4: lz4: truncated frame", e.Message);
    }

    [Fact]
    public async Task An_empty_block_object_is_a_corrupt_block_not_a_missing_one()
    {
        var (backup, path, _) = await OneBlockBackupAsync(CompressionMethod.None);
        await _bs.Driver.WriteAsync(path, Array.Empty<byte>(), default);
        var e = await Assert.ThrowsAsync<BackupStoreCorruptException>(() => _bs.RestoreToBytesAsync("vol1", backup.BackupName));
        Assert.True(e.IsChecksumMismatch);
        Assert.Equal($"checksum verification failed for block {path}: content hashes to {BlockId.Compute([])}", e.Message);
    }

    [Fact]
    public async Task A_truncated_lz4_frame_fails_not_misreads()
    {
        var (backup, path, _) = await OneBlockBackupAsync(CompressionMethod.Lz4);
        var stored = await _bs.ReadBytesAsync(path);
        await _bs.Driver.WriteAsync(path, stored[..(stored.Length - 5)], default);
        var e = await Assert.ThrowsAsync<BackupStoreCorruptException>(() => _bs.RestoreToBytesAsync("vol1", backup.BackupName));
        Assert.Contains("lz4: truncated frame", e.Message);
    }

    [Fact]
    public async Task A_block_read_cut_short_once_decodes_whole_on_the_retry_with_the_same_decoder()
    {
        // Longhorn's retry waits on the test's clock; one restore worker, so the retry decodes with the codec whose
        // lz4 context the cut read left in the middle of a frame.
        InterceptingDriver? driver = null;
        using var bs = new TestStore(d => driver = new InterceptingDriver(d), new BackupStoreOptions { RestoreConcurrency = 1 });
        var source = new MemorySnapshotSource(2 * MiB);
        var block = Block(1);
        source.Write(0, block);
        source.Snapshot("s");
        var backup = await bs.Store.CreateBackupAsync(new BackupRequest { VolumeName = "vol1", SnapshotName = "s", Compression = CompressionMethod.Lz4 }, source);
        var path = StorePaths.Block("vol1", backup.Config.Blocks[0].BlockChecksum);
        var reads = 0;
        // The first read's body ends 5 bytes early (in the last lz4 block's data), as a cut connection's does.
        driver!.ServeRead = (p, stream) =>
        {
            if (p != path || Interlocked.Increment(ref reads) > 1) return stream;
            using (stream)
            {
                using var whole = new MemoryStream();
                stream.CopyTo(whole);
                return new MemoryStream(whole.ToArray()[..^5]);
            }
        };

        Assert.Equal(block, await bs.RestoreToBytesAsync("vol1", backup.BackupName));
        Assert.Equal(2, reads);
    }

    [Fact]
    public async Task A_block_read_gives_its_buffer_back_to_the_shared_pool()
    {
        var (_, path, block) = await OneBlockBackupAsync(CompressionMethod.None);
        // Served from memory, the read completes on this thread, where the pool keeps what is returned for the next Rent.
        _driver.ServeRead = (_, stream) =>
        {
            using (stream)
                return new MemoryStream(block);
        };
        using var codec = new BlockCodec(2 * MiB);
        var other = ArrayPool<byte>.Shared.Rent(2 * MiB + 1);
        var reading = BlockReader.ReadVerifiedAsync(_driver, path, BlockId.Compute(block), CompressionMethod.None, codec,
            new byte[2 * MiB], CancellationToken.None);
        Assert.True(reading.IsCompletedSuccessfully);
        var next = ArrayPool<byte>.Shared.Rent(2 * MiB + 1);
        ArrayPool<byte>.Shared.Return(other);
        ArrayPool<byte>.Shared.Return(next);
        Assert.True(next.AsSpan(0, block.Length).SequenceEqual(block), "the block's read buffer was returned to the pool");
    }

    [Fact]
    public async Task A_block_that_grows_while_it_is_read_is_not_trusted()
    {
        var (backup, path, _) = await OneBlockBackupAsync(CompressionMethod.None);
        // The read says the block is 10 bytes shorter than what it then gives, as a file appended to while read would.
        _driver.ServeRead = (p, stream) => p == path ? new ServedStream(stream, seekable: true, missing: 10) : stream;
        var e = await Assert.ThrowsAsync<BackupStoreCorruptException>(() => _bs.RestoreToBytesAsync("vol1", backup.BackupName));
        Assert.Equal($"block {path} grew while it was read", e.Message);
    }

    [Theory]
    [InlineData(CompressionMethod.None)]
    [InlineData(CompressionMethod.Lz4)]
    [InlineData(CompressionMethod.Gzip)]
    public async Task A_block_read_as_a_stream_of_unknown_length_restores(CompressionMethod method)
    {
        var (backup, path, block) = await OneBlockBackupAsync(method);
        _driver.ServeRead = (p, stream) => p == path ? new ServedStream(stream, seekable: false) : stream;
        Assert.Equal(block, (await _bs.RestoreToBytesAsync("vol1", backup.BackupName))[..block.Length]);
    }

    [Fact]
    public async Task A_stream_of_unknown_length_longer_than_any_encoding_of_a_block_is_not_trusted()
    {
        var (backup, path, _) = await OneBlockBackupAsync(CompressionMethod.None);
        _driver.ServeRead = (p, stream) =>
        {
            if (p != path) return stream;
            stream.Dispose();
            return new ServedStream(new MemoryStream(new byte[5 * MiB + 1]), seekable: false);
        };
        var e = await Assert.ThrowsAsync<BackupStoreCorruptException>(() => _bs.RestoreToBytesAsync("vol1", backup.BackupName));
        Assert.Equal($"block {path} holds more than {5 * MiB} bytes, more than any encoding of a block", e.Message);
    }

    [Fact]
    public async Task A_block_is_read_with_one_request_and_its_size_is_not_asked_first()
    {
        var (backup, path, _) = await OneBlockBackupAsync(CompressionMethod.Lz4);
        var sizes = 0;
        _driver.ReportSize = (p, size) =>
        {
            if (p == path) Interlocked.Increment(ref sizes);
            return size;
        };
        await _bs.RestoreToBytesAsync("vol1", backup.BackupName);
        Assert.Equal(0, sizes);
        Assert.Equal(1, _driver.Reads[path]);
    }

    /// <summary>
    /// A read's stream as a driver might give it: one that says it is <paramref name="missing"/> bytes shorter than it is
    /// (a file appended to while read), or, with <paramref name="seekable"/> false, one that cannot say its length (a body
    /// streamed as it arrives), given in small pieces.
    /// </summary>
    private sealed class ServedStream(Stream inner, bool seekable, long missing = 0) : Stream
    {
        public override bool CanRead => true;
        public override bool CanSeek => seekable;
        public override bool CanWrite => false;
        public override long Length => seekable ? inner.Length - missing : throw new NotSupportedException();
        public override long Position { get => inner.Position; set => throw new NotSupportedException(); }
        public override int Read(byte[] buffer, int offset, int count) => inner.Read(buffer, offset, Math.Min(count, 100_000));
        public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) =>
            inner.ReadAsync(buffer[..Math.Min(buffer.Length, 100_000)], cancellationToken);
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void Flush() { }
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
        protected override void Dispose(bool disposing)
        {
            if (disposing) inner.Dispose();
            base.Dispose(disposing);
        }
    }

    [Fact]
    public async Task A_missing_block_is_not_found_naming_it_and_the_store()
    {
        var (backup, path, _) = await OneBlockBackupAsync(CompressionMethod.Lz4);
        await _bs.Driver.RemoveAsync(path, default);
        var e = await Assert.ThrowsAsync<BackupStoreNotFoundException>(() => _bs.RestoreToBytesAsync("vol1", backup.BackupName));
        Assert.Equal($"block {path} is missing from backupstore {_bs.Driver.Url}", e.Message);
    }

    [Theory]
    [InlineData("0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef", true)]
    [InlineData("0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdeg", false)]
    [InlineData("0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcde`", false)]
    [InlineData("0123456789ABCDEF0123456789abcdef0123456789abcdef0123456789abcdef", false)]
    [InlineData("0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcde", false)]
    [InlineData("0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef0", false)]
    [InlineData("0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcde/", false)]
    [InlineData("0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcde:", false)]
    [InlineData(null, false)]
    public void Block_ids_are_64_lowercase_hex_digits(string? id, bool valid) => Assert.Equal(valid, BlockId.IsValid(id));

    [Theory]
    [InlineData("", CompressionMethod.Gzip)]
    [InlineData(null, CompressionMethod.Gzip)]
    [InlineData("gzip", CompressionMethod.Gzip)]
    [InlineData("none", CompressionMethod.None)]
    [InlineData("lz4", CompressionMethod.Lz4)]
    public void Compression_names_parse_with_legacy_empty_as_gzip(string? wire, CompressionMethod expected)
    {
        Assert.True(CompressionMethods.TryParse(wire, out var method));
        Assert.Equal(expected, method);
        Assert.Equal(expected, CompressionMethods.Parse(wire, "here"));
    }

    [Theory]
    [InlineData("LZ4")]
    [InlineData("zstd")]
    public void Unknown_compression_names_are_refused_naming_the_choices(string wire)
    {
        Assert.False(CompressionMethods.TryParse(wire, out _));
        var e = Assert.Throws<BackupStoreArgumentException>(() => CompressionMethods.Parse(wire, "volume.cfg"));
        Assert.Equal($"volume.cfg: unknown compression method {wire}; expected none, gzip or lz4", e.Message);
    }

    [Fact]
    public void Wire_names_are_longhorns()
    {
        Assert.Equal(["none", "gzip", "lz4"], new[] { CompressionMethod.None, CompressionMethod.Gzip, CompressionMethod.Lz4 }.Select(m => m.ToWire()));
        Assert.Throws<ArgumentOutOfRangeException>(() => ((CompressionMethod)9).ToWire());
    }
}
