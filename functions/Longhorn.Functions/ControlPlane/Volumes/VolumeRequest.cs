namespace Longhorn.Functions.ControlPlane.Volumes;

/// <summary>What a new volume should be: empty of a size, or restored from a backup URL (then its size is the backup's).</summary>
public sealed class VolumeRequest
{
    public string? Name { get; set; }
    public long? Size { get; set; }
    public Dictionary<string, string>? Labels { get; set; }
    public string? BackupCompressionMethod { get; set; }
    public string? BackupBlockSize { get; set; }
    public string? BackupTargetName { get; set; }
    public string? FromBackup { get; set; }
    public string? StorageClassName { get; set; }
    public bool Standby { get; set; }
}
