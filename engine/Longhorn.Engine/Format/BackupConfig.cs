namespace Longhorn.Engine.Format;

/// <summary>One entry of a backup's block map: the block at <see cref="Offset"/> has id <see cref="BlockChecksum"/>.</summary>
public readonly record struct BackupBlock(long Offset, string BlockChecksum);

/// <summary>A backup's <c>backups/backup_&lt;name&gt;.cfg</c> (backupstore.go <c>Backup</c>, spec §3.2).</summary>
public sealed record BackupConfig
{
    public const string BlockSizeParameter = "backup-block-size";
    public const string BackupModeParameter = "backup-mode";
    public const long DefaultBlockSize = 2 * 1024 * 1024;

    public required string Name { get; init; }
    public string VolumeName { get; init; } = "";
    public string SnapshotName { get; init; } = "";
    public string SnapshotCreatedAt { get; init; } = "";
    /// <summary>Empty while the backup is in progress (the placeholder cfg).</summary>
    public string CreatedTime { get; init; } = "";
    public long Size { get; init; }
    public IReadOnlyDictionary<string, string>? Labels { get; init; }
    public IReadOnlyDictionary<string, string>? Parameters { get; init; }
    public bool IsIncremental { get; init; }
    /// <summary>Plain (not double-encoded) wire name; empty in legacy files, which means gzip.</summary>
    public string CompressionMethod { get; init; } = "";
    public long NewlyUploadedDataSize { get; init; }
    public long ReUploadedDataSize { get; init; }
    /// <summary>Go writes <c>{}</c> for a completed full backup and <c>null</c> otherwise.</summary>
    public bool HasProcessingBlocks { get; init; }
    public IReadOnlyList<BackupBlock> Blocks { get; init; } = [];
    public string SingleFilePath { get; init; } = "";

    /// <summary>
    /// How the cfg's own Name and VolumeName differed from its file name and folder when it was loaded (null when they
    /// agree); never written back.
    /// </summary>
    public string? NameDisagreement { get; init; }

    public bool IsInProgress => CreatedTime.Length == 0;

    /// <summary>The block size recorded in <c>Parameters["backup-block-size"]</c>, 2 MiB when absent.</summary>
    public long BlockSize => BlockSizes.FromParameters(Parameters);

    /// <summary>
    /// This cfg named as its place in the store names it: Longhorn's listing takes backup names from
    /// <c>backup_&lt;name&gt;.cfg</c> and volume names from folders without reading cfgs, so a cfg that lacks or
    /// contradicts them (hand-written, copied from another volume) is still the backup its file says.
    /// </summary>
    internal BackupConfig NamedByFile(string volumeName, string backupName)
    {
        var parts = new List<string>(2);
        if (Name.Length == 0) parts.Add("has no Name");
        else if (Name != backupName) parts.Add($"names the backup {Name}");
        if (VolumeName.Length == 0) parts.Add("has no VolumeName");
        else if (VolumeName != volumeName) parts.Add($"names the volume {VolumeName}");
        return this with
        {
            Name = backupName,
            VolumeName = volumeName,
            NameDisagreement = parts.Count == 0
                ? null
                : $"{StorePaths.BackupConfig(volumeName, backupName)} {string.Join(" and ", parts)}; " +
                  $"it is backup {backupName} of volume {volumeName}, as its file name and folder say",
        };
    }

    public byte[] ToJson()
    {
        var w = new GoJsonWriter()
            .BeginObject()
            .Name("Name").String(Name)
            .Name("VolumeName").String(VolumeName)
            .Name("SnapshotName").String(SnapshotName)
            .Name("SnapshotCreatedAt").String(SnapshotCreatedAt)
            .Name("CreatedTime").String(CreatedTime)
            .Name("Size").QuotedInt64(Size)
            .Name("Labels").StringMap(Labels)
            .Name("Parameters").StringMap(Parameters)
            .Name("IsIncremental").Bool(IsIncremental)
            .Name("CompressionMethod").String(CompressionMethod)
            .Name("NewlyUploadedDataSize").QuotedInt64(NewlyUploadedDataSize)
            .Name("ReUploadedDataSize").QuotedInt64(ReUploadedDataSize)
            .Name("ProcessingBlocks");
        if (HasProcessingBlocks) w.BeginObject().EndObject();
        else w.Null();
        if (Blocks.Count > 0)
        {
            w.Name("Blocks").BeginArray();
            foreach (var block in Blocks)
                w.BeginObject().Name("Offset").Number(block.Offset).Name("BlockChecksum").String(block.BlockChecksum).EndObject();
            w.EndArray();
        }
        return w.Name("SingleFile").BeginObject().Name("FilePath").String(SingleFilePath).EndObject()
            .EndObject()
            .ToUtf8();
    }

    /// <summary>Reads a backup cfg as Go does; throws <see cref="FormatException"/> on malformed content.</summary>
    public static BackupConfig FromJson(ReadOnlySpan<byte> utf8) => GoJsonObject.Parse(utf8, o => new BackupConfig
    {
        Name = o.String("Name"),
        VolumeName = o.String("VolumeName"),
        SnapshotName = o.String("SnapshotName"),
        SnapshotCreatedAt = o.String("SnapshotCreatedAt"),
        CreatedTime = o.String("CreatedTime"),
        Size = o.QuotedInt64("Size"),
        Labels = o.StringMap("Labels"),
        Parameters = o.StringMap("Parameters"),
        IsIncremental = o.Bool("IsIncremental"),
        CompressionMethod = o.String("CompressionMethod"),
        NewlyUploadedDataSize = o.QuotedInt64("NewlyUploadedDataSize"),
        ReUploadedDataSize = o.QuotedInt64("ReUploadedDataSize"),
        HasProcessingBlocks = o.IsObject("ProcessingBlocks"),
        Blocks = o.Array("Blocks", b => new BackupBlock(b.Int64("Offset"), b.String("BlockChecksum"))),
        SingleFilePath = o.Object("SingleFile")?.String("FilePath") ?? "",
    });
}
