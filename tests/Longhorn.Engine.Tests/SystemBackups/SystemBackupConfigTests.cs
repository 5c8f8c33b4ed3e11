using System.Text;
using Longhorn.Engine.SystemBackups;

namespace Longhorn.Engine.Tests.SystemBackups;

/// <summary>system-backup.cfg as Go's encoding/json writes and reads it.</summary>
public sealed class SystemBackupConfigTests
{
    [Fact]
    public void A_go_written_cfg_reads_with_nanoseconds_truncated_and_writes_back_in_gos_field_order()
    {
        const string go = "{\"Name\":\"demo\",\"LonghornVersion\":\"v1.4.0\",\"LonghornGitCommit\":\"abc\",\"BackupTargetURL\":\"s3://backupbucket@us-east-1/\"," +
                          "\"ManagerImage\":\"longhornio/longhorn-manager:v1.4.0\",\"EngineImage\":\"longhornio/longhorn-engine:v1.4.0\"," +
                          "\"CreatedAt\":\"2022-11-24T04:23:24.987654321Z\",\"Checksum\":\"00ff\"}";
        var config = SystemBackupConfig.FromJson(Encoding.UTF8.GetBytes(go));
        Assert.Equal(new DateTimeOffset(2022, 11, 24, 4, 23, 24, TimeSpan.Zero).AddTicks(9876543), config.CreatedAt);
        Assert.Equal(go.Replace("987654321", "9876543"), Encoding.UTF8.GetString(config.ToJson()));
        Assert.Equal("2022-11-24T04:23:24Z", SystemBackupConfig.FormatTime(new DateTimeOffset(2022, 11, 24, 4, 23, 24, TimeSpan.Zero)));
        Assert.Throws<FormatException>(() => SystemBackupConfig.FromJson("{\"CreatedAt\":\"yesterday\"}"u8));
    }
}
