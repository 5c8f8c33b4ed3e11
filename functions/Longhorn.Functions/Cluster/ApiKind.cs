namespace Longhorn.Functions.Cluster;

/// <summary>One kind the cluster serves: its group, versions, REST names, scope, printer columns and schema.</summary>
public sealed record ApiKind
{
    public required string Group { get; init; }
    public required string Version { get; init; }
    public required string Kind { get; init; }
    public required string Plural { get; init; }
    public IReadOnlyList<string> ShortNames { get; init; } = [];
    public bool Namespaced { get; init; } = true;

    /// <summary>Whether <c>status</c> is a subresource: the main endpoint ignores status changes, <c>/status</c> only takes them.</summary>
    public bool HasStatus { get; init; }

    /// <summary>Other versions served with the same storage (snapshot.storage.k8s.io v1beta1 beside v1).</summary>
    public IReadOnlyList<string> ExtraVersions { get; init; } = [];

    public IReadOnlyList<PrinterColumn> Columns { get; init; } = [];

    /// <summary>The object's schema below the top level (spec, status, data, ...); unknown fields are refused when strict.</summary>
    public required ObjectSchema Schema { get; init; }

    public string Singular => Kind.ToLowerInvariant();

    public string ApiVersion => Group.Length == 0 ? Version : $"{Group}/{Version}";

    public IEnumerable<string> Versions => [Version, .. ExtraVersions];

    /// <summary>The API server's name for messages: <c>systembackups.longhorn.io</c>, or <c>secrets</c> for the core group.</summary>
    public string Resource => Group.Length == 0 ? Plural : $"{Plural}.{Group}";

    /// <summary>Kind.group as it appears in "is invalid" messages: <c>SystemBackup.longhorn.io</c>, or <c>Secret</c>.</summary>
    public string QualifiedKind => Group.Length == 0 ? Kind : $"{Kind}.{Group}";

    public bool IsLonghorn => Group == ApiKinds.LonghornGroup;
}

/// <summary>A column of <c>kubectl get</c>, as a CRD's <c>additionalPrinterColumns</c> declares it.</summary>
public sealed record PrinterColumn(string Name, string Type, string JsonPath, string Format = "", int Priority = 0, string Description = "");
