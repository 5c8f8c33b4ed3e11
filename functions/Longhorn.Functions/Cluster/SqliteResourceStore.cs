using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization.Metadata;
using Longhorn.Functions.Resources;

namespace Longhorn.Functions.Cluster;

/// <summary>
/// The control plane's typed view of the cluster's object store (SQLite): each record reads its kind's JSON and writes
/// back only the fields it models, so fields it does not know (set through the Kubernetes API) survive its updates.
/// </summary>
public sealed class SqliteResourceStore(ObjectStore objects) : IResourceStore
{
    /// <summary>
    /// Typed objects as lists last read them, by kind, namespace and name, each with the version it was read at: a list
    /// parses only the objects that changed since (records are immutable, so one instance serves every reader).
    /// </summary>
    private readonly System.Collections.Concurrent.ConcurrentDictionary<(string Kind, string Namespace, string Name), (long Version, Resource Value)> _read = new();

    /// <summary>
    /// The last whole (unselected) list of each kind, with the kind's latest write version read before it was made
    /// (<see cref="ObjectStore.ReadVersion"/>): while it has not moved, no object of the kind was written (by this process
    /// or another on the same database) and the list is answered again as it stands. A write between reading the version
    /// and the scan leaves the list newer than its recorded version, which only makes the next list scan again.
    /// </summary>
    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, (long Version, object List)> _lists = new();

    public SqliteResourceStore(string databasePath, TimeProvider time) : this(new ObjectStore(databasePath, time))
    {
    }

    public ObjectStore Objects => objects;

    public async Task<T?> GetAsync<T>(string name, CancellationToken cancellationToken) where T : Resource, IResourceKind
    {
        var item = await objects.GetAsync(KindOf<T>(), ObjectMeta.LonghornNamespace, name, cancellationToken).ConfigureAwait(false);
        return item is null ? null : FromJson<T>(item);
    }

    public async Task<IReadOnlyList<T>> ListAsync<T>(LabelSelector? selector, CancellationToken cancellationToken) where T : Resource, IResourceKind
    {
        cancellationToken.ThrowIfCancellationRequested();
        var kind = KindOf<T>();
        long? kindVersion = null;
        if (selector is null)
        {
            kindVersion = objects.ReadVersion(kind);
            if (_lists.TryGetValue(kind.Kind, out var last) && last.Version == kindVersion && last.List is IReadOnlyList<T> same) return same;
        }
        var rows = objects.ListVersions(kind, kind.Namespaced ? ObjectMeta.LonghornNamespace : null, selector,
            (ns, name, version) => _read.TryGetValue((kind.Kind, ns, name), out var held) && held.Version == version);
        var list = new List<T>(rows.Count);
        foreach (var row in rows)
        {
            var key = (kind.Kind, row.Namespace, row.Name);
            if (row.Item is null && _read.TryGetValue(key, out var held) && held.Version == row.Version && held.Value is T known)
            {
                list.Add(known);
                continue;
            }
            var item = row.Item ?? await objects.GetAsync(kind, row.Namespace, row.Name, cancellationToken).ConfigureAwait(false);
            if (item is null) continue;
            var value = FromJson<T>(item);
            _read[key] = (row.Version, value);
            list.Add(value);
        }
        var ordered = list.OrderBy(r => r.Name, StringComparer.Ordinal).ToList().AsReadOnly();
        if (kindVersion is { } read)
        {
            Forget(kind.Kind, rows);
            _lists[kind.Kind] = (read, ordered);
        }
        return ordered;
    }

    /// <summary>Drops the held objects of a kind that a whole (unselected) list no longer returns.</summary>
    private void Forget(string kind, IReadOnlyList<VersionedObject> rows)
    {
        var present = rows.Select(r => (r.Namespace, r.Name)).ToHashSet();
        foreach (var key in _read.Keys)
            if (key.Kind == kind && !present.Contains((key.Namespace, key.Name))) _read.TryRemove(key, out _);
    }

    public async Task<T> CreateAsync<T>(T resource, CancellationToken cancellationToken) where T : Resource, IResourceKind
    {
        var item = ToJson(resource);
        try
        {
            return FromJson<T>(await objects.CreateAsync(KindOf<T>(), item, cancellationToken).ConfigureAwait(false));
        }
        catch (ObjectStoreException e) when (e.Reason == "AlreadyExists")
        {
            throw new ResourceConflictException($"{T.KindName} {resource.Name} already exists");
        }
    }

    public async Task<T?> UpdateAsync<T>(T resource, CancellationToken cancellationToken) where T : Resource, IResourceKind
    {
        var kind = KindOf<T>();
        var current = await objects.GetAsync(kind, ObjectMeta.LonghornNamespace, resource.Name, cancellationToken).ConfigureAwait(false)
                      ?? throw new ResourceNotFoundException(T.KindName, resource.Name);
        Overlay(current, ToJson(resource), Json.Options.GetTypeInfo(typeof(T)));
        try
        {
            var stored = await objects.UpdateAsync(kind, current, cancellationToken).ConfigureAwait(false);
            return stored is null ? null : FromJson<T>(stored);
        }
        catch (ObjectStoreException e) when (e.Reason == "Conflict")
        {
            throw new ResourceConflictException(
                $"the object has been modified: {T.KindName} {resource.Name} is no longer at resourceVersion {resource.Metadata.ResourceVersion}; read it again and retry");
        }
        catch (ObjectStoreException e) when (e.Reason == "NotFound")
        {
            throw new ResourceNotFoundException(T.KindName, resource.Name);
        }
    }

    public async Task<T?> DeleteAsync<T>(string name, CancellationToken cancellationToken) where T : Resource, IResourceKind
    {
        try
        {
            var item = await objects.DeleteAsync(KindOf<T>(), ObjectMeta.LonghornNamespace, name, cancellationToken).ConfigureAwait(false);
            return item is null ? null : FromJson<T>(item);
        }
        catch (ObjectStoreException e) when (e.Reason == "NotFound")
        {
            throw new ResourceNotFoundException(T.KindName, name);
        }
    }

    public static ApiKind KindOf<T>() where T : IResourceKind => ApiKinds.ByKind(T.KindName);

    public static T FromJson<T>(JsonObject item) where T : Resource =>
        item.Deserialize<T>(Json.Options) ?? throw new InvalidDataException($"stored {typeof(T).Name} is null");

    private static JsonObject ToJson<T>(T resource) where T : Resource
    {
        var item = JsonSerializer.SerializeToNode(resource, Json.Options)!.AsObject();
        var metadata = ObjectStore.MetadataOf(item);
        if (!KindOfType(resource).Namespaced) metadata.Remove("namespace");
        else if (string.IsNullOrEmpty(ObjectStore.Meta(item, "namespace"))) metadata["namespace"] = ObjectMeta.LonghornNamespace;
        return item;
    }

    private static ApiKind KindOfType(Resource resource) => ApiKinds.ByKind(resource.Kind);

    /// <summary>
    /// Writes the typed object's fields over the stored JSON: each property the record declares is replaced (or removed when
    /// null), nested records are merged the same way, and keys the record does not declare are kept.
    /// </summary>
    private static void Overlay(JsonObject stored, JsonObject typed, JsonTypeInfo info)
    {
        foreach (var property in info.Properties)
        {
            if (property.Get is null) continue;
            var value = typed[property.Name];
            if (value is null)
            {
                stored.Remove(property.Name);
                continue;
            }
            var propertyInfo = Json.Options.GetTypeInfo(property.PropertyType);
            if (propertyInfo.Kind == JsonTypeInfoKind.Object && value is JsonObject nested && stored[property.Name] is JsonObject existing)
                Overlay(existing, nested, propertyInfo);
            else stored[property.Name] = value.DeepClone();
        }
    }
}
