using System.Security.Cryptography;
using System.Text;

namespace Longhorn.Functions.Cluster;

/// <summary>
/// Secrets at rest: a Secret's stored JSON is sealed with AES-256-GCM under a key kept in its own 0600 file beside the
/// database (<c>secret.key</c>), so a copied database alone reveals nothing. Rotation: stop the host, rename the key file
/// to <c>secret.key.previous</c> and start it: a new key is made, every Secret is sealed again under it, and the previous
/// key is deleted.
/// </summary>
public sealed class SecretSealer
{
    public const string KeyFileName = "secret.key";
    public const string PreviousKeyFileName = "secret.key.previous";
    private const string Prefix = "lhsealed:v1:";
    private const int NonceSize = 12;
    private const int TagSize = 16;
    private readonly byte[] _key;
    private readonly byte[]? _previous;

    public SecretSealer(string directory)
    {
        _key = LoadOrCreate(Path.Combine(directory, KeyFileName));
        var previous = Path.Combine(directory, PreviousKeyFileName);
        _previous = File.Exists(previous) ? File.ReadAllBytes(previous) : null;
        PreviousKeyPath = _previous is null ? null : previous;
    }

    /// <summary>The previous key's file while a rotation is pending (sealed objects still to re-seal), else null.</summary>
    public string? PreviousKeyPath { get; }

    public static bool IsSealed(string stored) => stored.StartsWith(Prefix, StringComparison.Ordinal);

    public string Seal(string json)
    {
        var plain = Encoding.UTF8.GetBytes(json);
        var sealedBytes = new byte[NonceSize + plain.Length + TagSize];
        var nonce = sealedBytes.AsSpan(0, NonceSize);
        RandomNumberGenerator.Fill(nonce);
        using var aes = new AesGcm(_key, TagSize);
        aes.Encrypt(nonce, plain, sealedBytes.AsSpan(NonceSize, plain.Length), sealedBytes.AsSpan(NonceSize + plain.Length));
        return Prefix + Convert.ToBase64String(sealedBytes);
    }

    /// <summary>The JSON of a sealed object (plain JSON passes through: objects stored before sealing existed).</summary>
    public string Open(string stored)
    {
        if (!IsSealed(stored)) return stored;
        var sealedBytes = Convert.FromBase64String(stored[Prefix.Length..]);
        foreach (var key in _previous is null ? [_key] : new[] { _key, _previous })
        {
            try
            {
                var plain = new byte[sealedBytes.Length - NonceSize - TagSize];
                using var aes = new AesGcm(key, TagSize);
                aes.Decrypt(sealedBytes.AsSpan(0, NonceSize), sealedBytes.AsSpan(NonceSize, plain.Length), sealedBytes.AsSpan(NonceSize + plain.Length), plain);
                return Encoding.UTF8.GetString(plain);
            }
            catch (AuthenticationTagMismatchException)
            {
                // Sealed under the other key.
            }
        }
        throw new InvalidOperationException($"a stored Secret cannot be opened with {KeyFileName}: the key file was replaced without keeping the old one as {PreviousKeyFileName}");
    }

    private static byte[] LoadOrCreate(string path)
    {
        if (File.Exists(path))
        {
            var existing = File.ReadAllBytes(path);
            if (existing.Length != 32) throw new InvalidOperationException($"{path} must hold a 32-byte key, not {existing.Length} bytes");
            return existing;
        }
        var key = RandomNumberGenerator.GetBytes(32);
        var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write };
        if (!OperatingSystem.IsWindows()) options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        using (var file = new FileStream(path, options)) file.Write(key);
        return key;
    }
}
