namespace Longhorn.Functions.ControlPlane.Volumes;

/// <summary>What a new volume should be: empty of a size, restored from a backup URL (then its size is the backup's), or a clone.</summary>
public sealed class VolumeRequest
{
    public string? Name { get; set; }
    public long? Size { get; set; }
    public Dictionary<string, string>? Labels { get; set; }
    public string? BackupCompressionMethod { get; set; }
    public string? BackupBlockSize { get; set; }
    public string? BackupTargetName { get; set; }
    public string? FromBackup { get; set; }

    /// <summary>Longhorn's <c>spec.dataSource</c>: <c>vol://&lt;volume&gt;</c> clones a volume, <c>snap://&lt;volume&gt;/&lt;snapshot&gt;</c> one of its snapshots.</summary>
    public string? DataSource { get; set; }
    public string? StorageClassName { get; set; }
    public bool Standby { get; set; }
}
