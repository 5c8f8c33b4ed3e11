namespace Longhorn.Functions.Resources;

/// <summary>A Kubernetes equality-based label selector: <c>k=v</c>, <c>k!=v</c>, <c>k</c> (exists), <c>!k</c> (absent).</summary>
public sealed record LabelSelector(IReadOnlyList<LabelRequirement> Requirements)
{
    public static LabelSelector Of(params (string Key, string Value)[] equalities) =>
        new(equalities.Select(e => new LabelRequirement(e.Key, LabelOperator.Equals, e.Value)).ToList());

    public LabelSelector And(string key, LabelOperator op, string value = "") => new([.. Requirements, new LabelRequirement(key, op, value)]);

    /// <summary>Parses <c>a=b,c!=d,e,!f</c>; throws <see cref="FormatException"/> naming the bad term.</summary>
    public static LabelSelector Parse(string text)
    {
        var requirements = new List<LabelRequirement>();
        foreach (var raw in text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            LabelRequirement requirement;
            if (raw.Contains("!=", StringComparison.Ordinal))
            {
                var parts = raw.Split("!=", 2);
                requirement = new(parts[0].Trim(), LabelOperator.NotEquals, parts[1].Trim());
            }
            else if (raw.Contains('='))
            {
                var parts = raw.Split(raw.Contains("==", StringComparison.Ordinal) ? "==" : "=", 2);
                requirement = new(parts[0].Trim(), LabelOperator.Equals, parts[1].Trim());
            }
            else if (raw.StartsWith('!')) requirement = new(raw[1..].Trim(), LabelOperator.DoesNotExist, "");
            else requirement = new(raw, LabelOperator.Exists, "");
            if (requirement.Key.Length == 0) throw new FormatException($"invalid label selector term '{raw}'");
            requirements.Add(requirement);
        }
        return new LabelSelector(requirements);
    }

    public bool Matches(IReadOnlyDictionary<string, string> labels) => Requirements.All(r => r.Matches(labels));
}

public enum LabelOperator
{
    Equals,
    NotEquals,
    Exists,
    DoesNotExist,
}

/// <summary>One term of a selector.</summary>
public sealed record LabelRequirement(string Key, LabelOperator Operator, string Value)
{
    public bool Matches(IReadOnlyDictionary<string, string> labels) => Operator switch
    {
        LabelOperator.Equals => labels.TryGetValue(Key, out var v) && v == Value,
        LabelOperator.NotEquals => !labels.TryGetValue(Key, out var v) || v != Value,
        LabelOperator.Exists => labels.ContainsKey(Key),
        _ => !labels.ContainsKey(Key),
    };
}
