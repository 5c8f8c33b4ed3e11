using Longhorn.Functions.Resources;

namespace Longhorn.Functions.Http.Views;

/// <summary>A secret without its values.</summary>
public sealed record SecretView(string Name, IReadOnlyList<string> Keys, string ResourceVersion)
{
    public static SecretView From(Secret s) => new(s.Name, s.Data.Keys.Order(StringComparer.Ordinal).ToList(), s.Metadata.ResourceVersion);
}
