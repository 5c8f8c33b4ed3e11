namespace Longhorn.Engine.Blocks;

/// <summary>How block objects of a backup volume are compressed; fixed when the volume's volume.cfg is created.</summary>
public enum CompressionMethod
{
    None,
    Gzip,
    Lz4,
}

/// <summary>The wire names <c>none</c>, <c>gzip</c>, <c>lz4</c>; an empty name is legacy gzip.</summary>
public static class CompressionMethods
{
    public static string ToWire(this CompressionMethod method) => method switch
    {
        CompressionMethod.None => "none",
        CompressionMethod.Gzip => "gzip",
        CompressionMethod.Lz4 => "lz4",
        _ => throw new ArgumentOutOfRangeException(nameof(method)),
    };

    public static bool TryParse(string? wire, out CompressionMethod method)
    {
        switch (wire)
        {
            case "" or null or "gzip": method = CompressionMethod.Gzip; return true;
            case "none": method = CompressionMethod.None; return true;
            case "lz4": method = CompressionMethod.Lz4; return true;
            default: method = default; return false;
        }
    }

    /// <summary>Parses a wire name, throwing an error that names the value and the choices.</summary>
    public static CompressionMethod Parse(string? wire, string where) =>
        TryParse(wire, out var method)
            ? method
            : throw new BackupStoreArgumentException($"{where}: unknown compression method {wire}; expected none, gzip or lz4");
}
