using Longhorn.Functions.Resources;

namespace Longhorn.Functions.Http.Views;

/// <summary>A storage class and its parameters.</summary>
public sealed record StorageClassView(string Name, string Provisioner, IReadOnlyDictionary<string, string> Parameters, string ResourceVersion)
{
    public static StorageClassView From(StorageClass s) => new(s.Name, s.Provisioner, s.Parameters, s.Metadata.ResourceVersion);
}
