namespace Longhorn.Functions.Http.Views;

/// <summary>A list answer in Longhorn's REST shape: <c>{"type":"collection","resourceType":...,"data":[...]}</c>.</summary>
public sealed record Collection<T>(string ResourceType, IReadOnlyList<T> Data)
{
    public string Type => "collection";
}
