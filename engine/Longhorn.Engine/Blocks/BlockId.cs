using System.Security.Cryptography;

namespace Longhorn.Engine.Blocks;

/// <summary>A block's id: the first 64 lowercase hex digits of SHA-512 over its uncompressed bytes.</summary>
internal static class BlockId
{
    public const int Length = 64;

    public static string Compute(ReadOnlySpan<byte> data)
    {
        Span<byte> hash = stackalloc byte[SHA512.HashSizeInBytes];
        SHA512.HashData(data, hash);
        return Convert.ToHexStringLower(hash[..(Length / 2)]);
    }

    /// <summary>Whether the text has the shape of a block id (64 lowercase hex digits).</summary>
    public static bool IsValid(string? id) =>
        id is { Length: Length } && id.All(c => char.IsAsciiDigit(c) || c is >= 'a' and <= 'f');
}
