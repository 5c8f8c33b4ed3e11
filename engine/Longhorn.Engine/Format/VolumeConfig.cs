namespace Longhorn.Engine.Format;

/// <summary>A backup volume's <c>volume.cfg</c> (backupstore.go <c>Volume</c>, spec §3.1).</summary>
internal sealed record VolumeConfig
{
    public required string Name { get; init; }
    public long Size { get; init; }
    public IReadOnlyDictionary<string, string>? Labels { get; init; }
    public string CreatedTime { get; init; } = "";
    public string LastBackupName { get; init; } = "";
    public string LastBackupAt { get; init; } = "";
    public long BlockCount { get; init; }
    public string BackingImageName { get; init; } = "";
    public string BackingImageChecksum { get; init; } = "";
    /// <summary>The wire name as stored; empty in legacy files, which means gzip.</summary>
    public string CompressionMethod { get; init; } = "";
    public string StorageClassName { get; init; } = "";
    /// <summary><c>v1</c> or <c>v2</c>; empty in files from the v1 engine's first write and legacy files.</summary>
    public string DataEngine { get; init; } = "";

    /// <summary>Go's json.Marshal of the struct: field order, quoted int64s, double-encoded strings.</summary>
    public byte[] ToJson() => new GoJsonWriter()
        .BeginObject()
        .Name("Name").String(Name)
        .Name("Size").QuotedInt64(Size)
        .Name("Labels").StringMap(Labels)
        .Name("CreatedTime").String(CreatedTime)
        .Name("LastBackupName").String(LastBackupName)
        .Name("LastBackupAt").String(LastBackupAt)
        .Name("BlockCount").QuotedInt64(BlockCount)
        .Name("BackingImageName").DoubleEncodedString(BackingImageName)
        .Name("BackingImageChecksum").DoubleEncodedString(BackingImageChecksum)
        .Name("CompressionMethod").DoubleEncodedString(CompressionMethod)
        .Name("StorageClassName").DoubleEncodedString(StorageClassName)
        .Name("DataEngine").DoubleEncodedString(DataEngine)
        .EndObject()
        .ToUtf8();

    /// <summary>Reads a volume.cfg as Go does (tolerant of case, unknown and missing keys); throws <see cref="FormatException"/>.</summary>
    public static VolumeConfig FromJson(ReadOnlySpan<byte> utf8) => GoJsonObject.Parse(utf8, o => new VolumeConfig
    {
        Name = o.String("Name"),
        Size = o.QuotedInt64("Size"),
        Labels = o.StringMap("Labels"),
        CreatedTime = o.String("CreatedTime"),
        LastBackupName = o.String("LastBackupName"),
        LastBackupAt = o.String("LastBackupAt"),
        BlockCount = o.QuotedInt64("BlockCount"),
        BackingImageName = o.DoubleEncodedString("BackingImageName"),
        BackingImageChecksum = o.DoubleEncodedString("BackingImageChecksum"),
        CompressionMethod = o.DoubleEncodedString("CompressionMethod"),
        StorageClassName = o.DoubleEncodedString("StorageClassName"),
        DataEngine = o.DoubleEncodedString("DataEngine"),
    });
}
