namespace Longhorn.Functions.Resources;

/// <summary>A Kubernetes label selector: <c>k=v</c>, <c>k==v</c>, <c>k!=v</c>, <c>k in (a,b)</c>, <c>k notin (a,b)</c>, <c>k</c>, <c>!k</c>.</summary>
public sealed record LabelSelector(IReadOnlyList<LabelRequirement> Requirements)
{
    public static LabelSelector Of(params (string Key, string Value)[] equalities) =>
        new(equalities.Select(e => new LabelRequirement(e.Key, LabelOperator.Equals, e.Value)).ToList());

    public LabelSelector And(string key, LabelOperator op, string value = "") => new([.. Requirements, new LabelRequirement(key, op, value)]);

    /// <summary>Parses the selector syntax of the Kubernetes API; throws <see cref="FormatException"/> naming the bad term.</summary>
    public static LabelSelector Parse(string text)
    {
        var requirements = new List<LabelRequirement>();
        foreach (var raw in SplitTerms(text))
        {
            LabelRequirement requirement;
            var words = raw.Split(' ', 2, StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
            if (words.Length == 2 && words[1].StartsWith("in ", StringComparison.Ordinal) || words.Length == 2 && words[1].StartsWith("in(", StringComparison.Ordinal))
                requirement = new(words[0], LabelOperator.In, "") { Values = SetOf(words[1][2..], raw) };
            else if (words.Length == 2 && words[1].StartsWith("notin", StringComparison.Ordinal))
                requirement = new(words[0], LabelOperator.NotIn, "") { Values = SetOf(words[1][5..], raw) };
            else if (raw.Contains("!=", StringComparison.Ordinal))
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
            if (requirement.Key.Length == 0 || requirement.Key.Contains(' ', StringComparison.Ordinal))
                throw new FormatException($"invalid label selector term '{raw}'");
            requirements.Add(requirement);
        }
        return new LabelSelector(requirements);
    }

    public bool Matches(IReadOnlyDictionary<string, string> labels) => Requirements.All(r => r.Matches(labels));

    /// <summary>Splits on commas outside parentheses.</summary>
    private static IEnumerable<string> SplitTerms(string text)
    {
        var depth = 0;
        var start = 0;
        for (var i = 0; i <= text.Length; i++)
        {
            if (i < text.Length && text[i] == '(') depth++;
            else if (i < text.Length && text[i] == ')') depth--;
            else if (i == text.Length || (text[i] == ',' && depth == 0))
            {
                var term = text[start..i].Trim();
                if (term.Length > 0) yield return term;
                start = i + 1;
            }
        }
    }

    private static IReadOnlyList<string> SetOf(string text, string raw)
    {
        text = text.Trim();
        if (text.Length < 2 || text[0] != '(' || text[^1] != ')') throw new FormatException($"invalid label selector term '{raw}'");
        return text[1..^1].Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
    }
}

public enum LabelOperator
{
    Equals,
    NotEquals,
    Exists,
    DoesNotExist,
    In,
    NotIn,
}

/// <summary>One term of a selector; <see cref="Values"/> holds the set of <c>in</c> and <c>notin</c>.</summary>
public sealed record LabelRequirement(string Key, LabelOperator Operator, string Value)
{
    public IReadOnlyList<string> Values { get; init; } = [];

    public bool Matches(IReadOnlyDictionary<string, string> labels) => Operator switch
    {
        LabelOperator.Equals => labels.TryGetValue(Key, out var v) && v == Value,
        LabelOperator.NotEquals => !labels.TryGetValue(Key, out var v) || v != Value,
        LabelOperator.In => labels.TryGetValue(Key, out var v) && Values.Contains(v),
        LabelOperator.NotIn => !labels.TryGetValue(Key, out var v) || !Values.Contains(v),
        LabelOperator.Exists => labels.ContainsKey(Key),
        _ => !labels.ContainsKey(Key),
    };
}
