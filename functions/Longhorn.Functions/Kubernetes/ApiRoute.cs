using Longhorn.Functions.Cluster;

namespace Longhorn.Functions.Kubernetes;

/// <summary>A resource request's address: kind and version, namespace (null for all or cluster-scoped), name, subresource.</summary>
public sealed record ApiRoute(ApiKind Kind, string Version, string? Namespace, string? Name, string? Subresource)
{
    /// <summary>
    /// Parses the segments after <c>/api/v1</c> or <c>/apis/{group}/{version}</c>: <c>{plural}[/{name}[/{sub}]]</c> or
    /// <c>namespaces/{ns}/{plural}[/{name}[/{sub}]]</c>; null when no served kind matches.
    /// </summary>
    public static ApiRoute? Parse(string group, string version, IReadOnlyList<string> rest)
    {
        if (rest.Count == 0) return null;
        string? @namespace = null;
        var offset = 0;
        if (rest[0] == "namespaces" && rest.Count >= 3 && rest[2] is not ("status" or "finalize"))
        {
            @namespace = rest[1];
            offset = 2;
        }
        var kind = ApiKinds.Find(group, version, rest[offset]);
        if (kind is null || rest.Count - offset > 3) return null;
        if (@namespace is not null && !kind.Namespaced) return null;
        var name = rest.Count > offset + 1 ? rest[offset + 1] : null;
        var sub = rest.Count > offset + 2 ? rest[offset + 2] : null;
        if (sub is not null && (sub != "status" || !kind.HasStatus)) return null;
        return new ApiRoute(kind, version, @namespace, name, sub);
    }
}
