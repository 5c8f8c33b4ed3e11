namespace Longhorn.Functions.Resources;

/// <summary>Maps compared by content, as a status's labels, children or messages are (records compare them by reference).</summary>
public static class Entries
{
    public static bool Same<TValue>(IReadOnlyDictionary<string, TValue>? a, IReadOnlyDictionary<string, TValue>? b)
    {
        if (ReferenceEquals(a, b)) return true;
        if ((a?.Count ?? 0) != (b?.Count ?? 0)) return false;
        if (a is null || b is null) return true;
        var values = EqualityComparer<TValue>.Default;
        foreach (var (key, value) in a)
            if (!b.TryGetValue(key, out var other) || !values.Equals(value, other)) return false;
        return true;
    }
}
