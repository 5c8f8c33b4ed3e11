namespace Longhorn.Functions.Http.Views;

/// <summary>
/// A list answer in Longhorn's REST shape: <c>{"type":"collection","resourceType":...,"data":[...]}</c>, with
/// <c>continue</c> (as Kubernetes lists have it) when a <c>limit</c> cut the list short.
/// </summary>
public sealed record Collection<T>(string ResourceType, IReadOnlyList<T> Data, string? Continue = null)
{
    public string Type => "collection";
}
