using System.Text.RegularExpressions;

namespace Longhorn.Engine.Format;

/// <summary>Longhorn's name rules (util.ValidateName, engine's 64-character volume cap) and GenerateName.</summary>
public static partial class Names
{
    /// <summary>Longest volume or backup name this engine writes (the engine caps volume names at 64).</summary>
    public const int MaxLength = 64;

    [GeneratedRegex("^[a-zA-Z0-9][a-zA-Z0-9_.-]+$")]
    private static partial Regex ValidName();

    /// <summary>Longhorn's reader rule: <c>^[a-zA-Z0-9][a-zA-Z0-9_.-]+$</c> (at least two characters).</summary>
    public static bool IsValid(string? name) => name is not null && ValidName().IsMatch(name);

    /// <summary>Throws a <see cref="BackupStoreArgumentException"/> naming the field when the name cannot be written.</summary>
    public static void Validate(string? name, string what)
    {
        if (string.IsNullOrEmpty(name))
            throw new BackupStoreArgumentException($"invalid {what} name: it is empty");
        if (name.Length > MaxLength)
            throw new BackupStoreArgumentException($"invalid {what} name {name}: longer than {MaxLength} characters");
        if (!IsValid(name))
            throw new BackupStoreArgumentException(
                $"invalid {what} name {name}: must match ^[a-zA-Z0-9][a-zA-Z0-9_.-]+$");
    }

    /// <summary><c>prefix-</c> plus the first 16 hex digits of a random v4 UUID (13th digit is the version 4).</summary>
    public static string Generate(string prefix) => prefix + "-" + Guid.NewGuid().ToString("N")[..16];
}
