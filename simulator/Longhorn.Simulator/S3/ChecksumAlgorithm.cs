using System.Buffers.Binary;
using System.Security.Cryptography;

namespace Longhorn.Simulator.S3;

/// <summary>
/// The flexible checksums S3 clients send (<c>x-amz-checksum-crc32</c>, <c>-crc32c</c>, <c>-sha1</c>, <c>-sha256</c>),
/// computed incrementally; values are base64 of the big-endian digest.
/// </summary>
public sealed class ChecksumAlgorithm
{
    private static readonly uint[] Crc32Table = CrcTable(0xEDB88320u);
    private static readonly uint[] Crc32CTable = CrcTable(0x82F63B78u);

    private readonly uint[]? _table;
    private readonly IncrementalHash? _hash;
    private uint _crc = 0xFFFFFFFFu;

    private ChecksumAlgorithm(string name, uint[]? table, IncrementalHash? hash)
    {
        Name = name;
        _table = table;
        _hash = hash;
    }

    public string Name { get; }

    /// <summary>The algorithm of a checksum header such as <c>x-amz-checksum-crc32</c>; null for ones not verified here.</summary>
    public static ChecksumAlgorithm? ForHeader(string header) => header.ToLowerInvariant() switch
    {
        "x-amz-checksum-crc32" => new("crc32", Crc32Table, null),
        "x-amz-checksum-crc32c" => new("crc32c", Crc32CTable, null),
        "x-amz-checksum-sha1" => new("sha1", null, IncrementalHash.CreateHash(HashAlgorithmName.SHA1)),
        "x-amz-checksum-sha256" => new("sha256", null, IncrementalHash.CreateHash(HashAlgorithmName.SHA256)),
        _ => null,
    };

    public void Append(ReadOnlySpan<byte> data)
    {
        if (_hash is not null)
        {
            _hash.AppendData(data);
            return;
        }
        var crc = _crc;
        foreach (var b in data) crc = _table![(crc ^ b) & 0xFF] ^ (crc >> 8);
        _crc = crc;
    }

    public string ToBase64()
    {
        if (_hash is not null) return Convert.ToBase64String(_hash.GetHashAndReset());
        Span<byte> digest = stackalloc byte[4];
        BinaryPrimitives.WriteUInt32BigEndian(digest, ~_crc);
        return Convert.ToBase64String(digest);
    }

    private static uint[] CrcTable(uint polynomial)
    {
        var table = new uint[256];
        for (uint i = 0; i < 256; i++)
        {
            var c = i;
            for (var k = 0; k < 8; k++) c = (c & 1) != 0 ? polynomial ^ (c >> 1) : c >> 1;
            table[i] = c;
        }
        return table;
    }
}
