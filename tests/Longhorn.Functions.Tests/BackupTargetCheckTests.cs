using System.Net;
using System.Text.Json.Nodes;
using Longhorn.Functions.Tests.Support;

namespace Longhorn.Functions.Tests;

/// <summary>POST /api/backuptargets/{name}/check through the real host: the store check's report as JSON, prune included.</summary>
public sealed class BackupTargetCheckTests : IDisposable
{
    private const int MiB = 1024 * 1024;
    private readonly FunctionHost _host = new();

    public void Dispose() => _host.Dispose();

    private IReadOnlyList<string> BlockFiles() =>
        Directory.EnumerateFiles(_host.MountRoot, "*.blk", SearchOption.AllDirectories).Order(StringComparer.Ordinal).ToList();

    private Task<JsonNode> CheckAsync(object? body = null) => _host.Api.PostAsync("/api/backuptargets/default/check", body);

    [Fact]
    public async Task The_check_reports_a_clean_store_a_missing_block_with_its_backups_and_prunes_an_orphan()
    {
        var api = _host.Api;
        await api.WaitForSyncAsync();
        await api.CreateVolumeAsync(new { name = "vol1", size = 16L * MiB, backupCompressionMethod = "none" });
        await api.WriteAsync("vol1", 0, Api.Pattern(4 * MiB, seed: 1));
        var first = (string)(await api.BackupAsync("vol1"))["name"]!;
        await api.WriteAsync("vol1", 8 * MiB, Api.Pattern(2 * MiB, seed: 2));
        var second = (string)(await api.BackupAsync("vol1"))["name"]!;

        var clean = await CheckAsync(new { readData = true });
        Assert.True((bool)clean["isConsistent"]!, clean.ToJsonString());
        Assert.Equal((1, 2, 3, 3), ((int)clean["volumesChecked"]!, (int)clean["backupsChecked"]!, (int)clean["blocksChecked"]!, (int)clean["blocksRead"]!));
        Assert.Equal("nfs://127.0.0.1:/backupstore", (string?)clean["backupTargetUrl"]);
        foreach (var list in new[] { "unreadableConfigs", "missingBlocks", "corruptBlocks", "orphanBlocks", "inProgressBackups", "staleLocks", "tempFiles", "pruned" })
            Assert.Empty(clean[list]!.AsArray());

        // A block both backups share (the first 2 MiB), lost; and a block no cfg names, left by a writer that died.
        var blocks = BlockFiles();
        var shared = blocks.Single(b => File.ReadAllBytes(b).AsSpan().SequenceEqual(Api.Pattern(4 * MiB, seed: 1).AsSpan(0, 2 * MiB)));
        File.Delete(shared);
        var orphanId = new string('e', 64);
        var orphan = Path.Combine(Path.GetDirectoryName(Path.GetDirectoryName(Path.GetDirectoryName(shared)!)!)!, "ee", "ee", orphanId + ".blk");
        Directory.CreateDirectory(Path.GetDirectoryName(orphan)!);
        await File.WriteAllBytesAsync(orphan, Api.Pattern(4096, seed: 3));

        var found = await CheckAsync(new { volume = "vol1" });
        Assert.False((bool)found["isConsistent"]!);
        Assert.Equal("vol1", (string?)found["volumeName"]);
        var missing = Assert.Single(found["missingBlocks"]!.AsArray())!;
        Assert.Equal(Path.GetFileNameWithoutExtension(shared), (string?)missing["checksum"]);
        Assert.Equal(new[] { first, second }.Order(StringComparer.Ordinal), missing["referencedBy"]!.AsArray().Select(n => (string?)n));
        var reported = Assert.Single(found["orphanBlocks"]!.AsArray())!;
        Assert.Equal((orphanId, false), ((string?)reported["checksum"], (bool)reported["removed"]!));
        Assert.True(File.Exists(orphan));

        var pruned = await CheckAsync(new { prune = true });
        Assert.True((bool)Assert.Single(pruned["orphanBlocks"]!.AsArray())!["removed"]!);
        var outcome = Assert.Single(pruned["pruned"]!.AsArray())!;
        Assert.Equal(("vol1", 1), ((string?)outcome["volume"], (int)outcome["removedBlockCount"]!));
        Assert.Null(outcome["skipped"]);
        Assert.False(File.Exists(orphan));
        Assert.Equal(blocks.Where(b => b != shared), BlockFiles());
        Assert.Empty(Directory.EnumerateFiles(_host.MountRoot, "*.lck", SearchOption.AllDirectories));
    }

    [Fact]
    public async Task A_target_without_a_store_is_not_available_for_a_check()
    {
        var api = _host.Api;
        await api.SendAsync(HttpMethod.Put, "/api/backuptargets/off", new { backupTargetURL = "" });

        using var response = await api.Client.PostAsync("/api/backuptargets/off/check",
            new StringContent("{}", System.Text.Encoding.UTF8, "application/json"));

        Assert.Equal(HttpStatusCode.Conflict, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var problem = JsonNode.Parse(await response.Content.ReadAsStringAsync())!;
        Assert.Equal("name", (string?)problem["field"]);
        Assert.StartsWith("backup target off is not available", (string?)problem["detail"]);
    }
}
