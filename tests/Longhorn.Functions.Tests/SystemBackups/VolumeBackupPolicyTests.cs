using Longhorn.Functions.Tests.Support;
using static Longhorn.Functions.Tests.SystemBackups.SystemBackupSupport;

namespace Longhorn.Functions.Tests.SystemBackups;

/// <summary>Which volumes get a new backup under each volume backup policy (spec §5.2).</summary>
public sealed class VolumeBackupPolicyTests
{
    [Fact]
    public async Task If_not_present_backs_up_volumes_without_or_with_an_outdated_backup_always_backs_up_all_and_disabled_none()
    {
        using var host = new FunctionHost();
        var api = host.Api;
        await api.WaitForSyncAsync();
        foreach (var name in new[] { "fresh", "current", "outdated" })
        {
            await api.CreateVolumeAsync(new { name, size = 8L * MiB });
            await api.WriteAsync(name, 0, Api.Pattern(MiB, seed: name.Length));
        }
        await api.BackupAsync("current");
        await api.BackupAsync("outdated");
        await api.WriteAsync("outdated", 2 * MiB, Api.Pattern(4096, seed: 9));

        await api.SystemBackupAsync("sb-if-not-present", "if-not-present");
        Assert.Single(await api.SystemBackupBackupsAsync("fresh"));
        Assert.Empty(await api.SystemBackupBackupsAsync("current"));
        Assert.Single(await api.SystemBackupBackupsAsync("outdated"));
        // Longhorn's quirk: the snapshot is taken even for the volume that needed no backup.
        Assert.Contains(await api.ListAsync("/api/volumes/current/snapshots"), s => ((string?)s["name"])!.StartsWith("system-backup-", StringComparison.Ordinal));
        var backup = (await api.ListAsync("/api/backups?volume=fresh")).Single();
        Assert.Equal("Completed", (string?)backup["state"]);
        Assert.Equal((string?)backup["name"], (string?)(await api.GetAsync("/api/volumes/fresh"))["lastBackup"]);

        await api.SystemBackupAsync("sb-always", "always");
        Assert.Equal(2, (await api.SystemBackupBackupsAsync("fresh")).Count);
        Assert.Single(await api.SystemBackupBackupsAsync("current"));
        Assert.Equal(2, (await api.SystemBackupBackupsAsync("outdated")).Count);

        await api.SystemBackupAsync("sb-disabled", "disabled");
        Assert.Equal(2, (await api.SystemBackupBackupsAsync("fresh")).Count);
        Assert.Single(await api.SystemBackupBackupsAsync("current"));
        Assert.Equal(2, (await api.SystemBackupBackupsAsync("outdated")).Count);

        // Nothing was written since "always": every volume is up to date now.
        await api.SystemBackupAsync("sb-again", "if-not-present");
        Assert.Equal(2, (await api.SystemBackupBackupsAsync("fresh")).Count);
        Assert.Single(await api.SystemBackupBackupsAsync("current"));
        Assert.Equal(2, (await api.SystemBackupBackupsAsync("outdated")).Count);
    }
}
