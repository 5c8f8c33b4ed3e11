using System.Diagnostics;
using Longhorn.Engine.Backups;
using Longhorn.Engine.Blocks;
using Longhorn.Engine.Format;
using Longhorn.Engine.Tests.Support;

namespace Longhorn.Engine.Tests;

/// <summary>
/// Decoding checked against frames this project did not write: every block of a backup is replaced by what the system
/// <c>lz4</c> and <c>gzip</c> programs make of its bytes (their own headers, block modes, checksums), and the backup
/// still restores byte for byte, through the gzip/lz4 fallback where the volume's method is the other one.
/// </summary>
public sealed class SystemToolBlockTests : IDisposable
{
    private const int MiB = 1024 * 1024;
    private readonly TestStore _bs = new();

    public void Dispose() => _bs.Dispose();

    [Theory]
    [InlineData(CompressionMethod.Lz4, "lz4", "-c")]
    [InlineData(CompressionMethod.Lz4, "lz4", "-c -BD --no-frame-crc -9")]
    [InlineData(CompressionMethod.Lz4, "lz4", "-c -B4 --content-size")]
    [InlineData(CompressionMethod.Gzip, "gzip", "-c")]
    [InlineData(CompressionMethod.Gzip, "gzip", "-c -1 --name")]
    [InlineData(CompressionMethod.Lz4, "gzip", "-c")]
    [InlineData(CompressionMethod.Gzip, "lz4", "-c")]
    public async Task Blocks_compressed_by_the_system_tool_restore(CompressionMethod volumeMethod, string tool, string arguments)
    {
        var source = new MemorySnapshotSource(8 * MiB);
        var random = new Random(5);
        var data = new byte[MiB];
        random.NextBytes(data);
        source.Write(0, data);
        source.Fill(2 * MiB, 2 * MiB, (byte)'x');
        for (var i = 0; i < MiB; i += 4096) source.Fill(4 * MiB + 2L * i, 4096, (byte)(i / 4096));
        source.Snapshot("s");
        var backup = await _bs.Store.CreateBackupAsync(new BackupRequest { VolumeName = "vol1", SnapshotName = "s", Compression = volumeMethod }, source);
        var image = source.Image("s");

        foreach (var block in backup.Config.Blocks)
        {
            var raw = image.AsSpan((int)block.Offset, 2 * MiB).ToArray();
            var stored = await CompressAsync(tool, arguments, raw);
            Assert.NotEqual(raw.Length, stored.Length);
            await File.WriteAllBytesAsync(_bs.Local(StorePaths.Block("vol1", block.BlockChecksum)), stored);
        }

        Assert.Equal(image, await _bs.RestoreToBytesAsync("vol1", backup.BackupName));
    }

    private async Task<byte[]> CompressAsync(string tool, string arguments, byte[] raw)
    {
        var input = _bs.Scratch(Guid.NewGuid().ToString("N"));
        await File.WriteAllBytesAsync(input, raw);
        var start = new ProcessStartInfo(ExternalTool.Require(tool)) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in arguments.Split(' ')) start.ArgumentList.Add(argument);
        start.ArgumentList.Add(input);
        using var process = Process.Start(start)!;
        using var output = new MemoryStream();
        var errors = process.StandardError.ReadToEndAsync();
        await process.StandardOutput.BaseStream.CopyToAsync(output);
        await process.WaitForExitAsync();
        Assert.True(process.ExitCode == 0, $"{tool} {arguments}: {await errors}");
        return output.ToArray();
    }
}
