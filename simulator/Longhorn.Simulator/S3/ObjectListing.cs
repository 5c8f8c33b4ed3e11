namespace Longhorn.Simulator.S3;

/// <summary>One page of ListObjects / ListObjectsV2: objects and common prefixes after a marker, at most max-keys of them.</summary>
public sealed record ObjectListing(IReadOnlyList<ObjectInfo> Objects, IReadOnlyList<string> CommonPrefixes, bool IsTruncated, string? NextMarker)
{
    /// <summary>Lists keys with the prefix after the marker, rolling keys up to the delimiter into common prefixes.</summary>
    public static ObjectListing List(ObjectStore store, string bucket, string prefix, string delimiter, string? after, int maxKeys)
    {
        var objects = new List<ObjectInfo>();
        var prefixes = new List<string>();
        string? last = null;
        string? lastPrefix = null;
        foreach (var (key, isPrefix) in store.Walk(bucket, prefix, collapse: delimiter == "/"))
        {
            string? common = null;
            if (isPrefix) common = key[..(key.IndexOf('/', prefix.Length) + 1)];
            else if (delimiter.Length > 0 && key.IndexOf(delimiter, prefix.Length, StringComparison.Ordinal) is var at and >= 0)
                common = key[..(at + delimiter.Length)];

            var name = common ?? key;
            if (common is not null && common == lastPrefix) continue;
            if (after is not null && (ObjectStore.CompareKeys(name, after) <= 0
                                      || (common is not null && after.StartsWith(common, StringComparison.Ordinal)))) continue;
            if (objects.Count + prefixes.Count >= maxKeys)
                return new ObjectListing(objects, prefixes, maxKeys > 0, maxKeys > 0 ? last : null);
            if (common is not null)
            {
                prefixes.Add(common);
                lastPrefix = common;
            }
            else if (ObjectFile.ReadInfo(ObjectPaths.File(store.BucketDirectory(bucket), key)) is { } info)
            {
                objects.Add(info);
            }
            else
            {
                continue; // deleted while listing
            }
            last = name;
        }
        return new ObjectListing(objects, prefixes, false, null);
    }
}
