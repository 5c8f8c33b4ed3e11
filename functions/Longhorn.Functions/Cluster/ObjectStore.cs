using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Threading.Channels;
using Longhorn.Functions.Resources;
using Microsoft.Data.Sqlite;

namespace Longhorn.Functions.Cluster;

/// <summary>
/// The cluster's objects as Kubernetes JSON in one SQLite file: one row per object keyed by kind, namespace and name, a label
/// table for selectors, and one store-wide resourceVersion counter. Every write is also published to watchers, in order.
/// Both the typed resource store (the control plane's view) and the Kubernetes API read and write through it.
/// </summary>
public sealed class ObjectStore
{
    /// <summary>How many recent changes a watch can resume from; older resourceVersions get 410 Gone.</summary>
    private const int HistoryLength = 4096;

    private readonly string _connectionString;
    private readonly TimeProvider _time;
    private readonly object _gate = new();
    // Writes of this host one at a time (see Open): two transactions that both wanted SQLite's write lock would have
    // the loser's BEGIN IMMEDIATE answered SQLITE_BUSY, and Microsoft.Data.Sqlite retries that after sleeping its
    // thread 150 ms; eight backups' POSTs at once each waited 440 ms that way. Held across the commit and the event's
    // publication, so watchers also see the changes in resourceVersion order.
    private readonly object _writes = new();
    private readonly LinkedList<ObjectEvent> _history = new();
    private readonly List<Channel<ObjectEvent>> _watchers = [];
    private readonly SecretSealer _sealer;

    public ObjectStore(string databasePath, TimeProvider time)
    {
        _time = time;
        PrivateFiles.Prepare(databasePath);
        _sealer = new SecretSealer(Path.GetDirectoryName(Path.GetFullPath(databasePath))!);
        _connectionString = new SqliteConnectionStringBuilder
        {
            DataSource = databasePath,
            Mode = SqliteOpenMode.ReadWriteCreate,
            Pooling = true,
            DefaultTimeout = 30,
        }.ToString();
        using var connection = Open();
        Execute(connection, null, """
            PRAGMA journal_mode=WAL;
            CREATE TABLE IF NOT EXISTS objects (kind TEXT NOT NULL, namespace TEXT NOT NULL, name TEXT NOT NULL, version INTEGER NOT NULL,
                json TEXT NOT NULL, PRIMARY KEY (kind, namespace, name));
            CREATE TABLE IF NOT EXISTS object_labels (kind TEXT NOT NULL, namespace TEXT NOT NULL, name TEXT NOT NULL, key TEXT NOT NULL,
                value TEXT NOT NULL, PRIMARY KEY (kind, namespace, name, key));
            CREATE INDEX IF NOT EXISTS object_labels_by_key ON object_labels (kind, key, value);
            CREATE INDEX IF NOT EXISTS object_versions ON objects (kind, namespace, name, version);
            CREATE TABLE IF NOT EXISTS counter (id INTEGER PRIMARY KEY CHECK (id = 0), version INTEGER NOT NULL);
            INSERT OR IGNORE INTO counter (id, version) VALUES (0, 0);
            CREATE TABLE IF NOT EXISTS kind_versions (kind TEXT PRIMARY KEY, version INTEGER NOT NULL);
            """);
        MigrateFromResourcesTable(connection);
        SealSecrets(connection);
        CurrentVersion = ReadCounter(connection);
    }

    /// <summary>
    /// Seals every Secret stored in plain JSON (by a host before sealing existed) and, after a key rotation, seals again
    /// under the new key whatever the previous key sealed; then the previous key is deleted. The objects' versions stay.
    /// </summary>
    private void SealSecrets(SqliteConnection connection)
    {
        var rows = new List<(string Namespace, string Name, string Json)>();
        using (var select = connection.CreateCommand())
        {
            select.CommandText = "SELECT namespace, name, json FROM objects WHERE kind = $kind";
            select.Parameters.AddWithValue("$kind", ApiKinds.Secret.Kind);
            using var reader = select.ExecuteReader();
            while (reader.Read()) rows.Add((reader.GetString(0), reader.GetString(1), reader.GetString(2)));
        }
        var rotating = _sealer.PreviousKeyPath is not null;
        var rewrite = rows.Where(r => rotating || !SecretSealer.IsSealed(r.Json)).ToList();
        if (rewrite.Count == 0 && !rotating) return;
        // The plain (or old-key) text must not stay behind in freed pages or the write-ahead log.
        Execute(connection, null, "PRAGMA secure_delete=ON;");
        using (var transaction = connection.BeginTransaction())
        {
            foreach (var (@namespace, name, json) in rewrite)
            {
                Execute(connection, transaction, "UPDATE objects SET json = $json WHERE kind = $kind AND namespace = $namespace AND name = $name",
                    ("$json", _sealer.Seal(_sealer.Open(json))), ("$kind", ApiKinds.Secret.Kind), ("$namespace", @namespace), ("$name", name));
            }
            transaction.Commit();
        }
        Execute(connection, null, "PRAGMA wal_checkpoint(TRUNCATE);");
        if (rotating) File.Delete(_sealer.PreviousKeyPath!);
    }

    /// <summary>
    /// The resourceVersion of the latest write of <paramref name="kind"/> as the database holds it now, whichever process
    /// wrote it: equal answers mean no object of the kind changed in between. A kind no write has recorded yet (a
    /// database from before the record) answers the store-wide counter, which every write moves.
    /// </summary>
    public long ReadVersion(ApiKind kind)
    {
        using var connection = Open();
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT coalesce((SELECT version FROM kind_versions WHERE kind = $kind), (SELECT version FROM counter WHERE id = 0))";
        command.Parameters.AddWithValue("$kind", kind.Kind);
        return (long)command.ExecuteScalar()!;
    }

    /// <summary>The resourceVersion of the latest write (what a list reports).</summary>
    public long CurrentVersion { get; private set; }

    public Task<JsonObject?> GetAsync(ApiKind kind, string @namespace, string name, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        using var connection = Open();
        return Task.FromResult(Read(connection, null, kind, NamespaceOf(kind, @namespace), name));
    }

    /// <summary>
    /// The kind's objects in one namespace (or all when null), ordered by namespace and name, matching the label selector
    /// and field selector, at most <paramref name="limit"/> (0: all) after the continue key.
    /// </summary>
    public Task<ObjectPage> ListAsync(ApiKind kind, string? @namespace, LabelSelector? labels, FieldSelector? fields, int limit,
        string? continueAfter, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        using var connection = Open();
        using var transaction = connection.BeginTransaction(deferred: true);
        using var command = ListCommand(connection, transaction, "json, namespace, name", kind, @namespace, labels, continueAfter);
        var items = new List<JsonObject>();
        string? next = null;
        using (var reader = command.ExecuteReader())
        {
            while (reader.Read())
            {
                var item = (JsonObject)JsonNode.Parse(_sealer.Open(reader.GetString(0)))!;
                if (fields is not null && !fields.Matches(item)) continue;
                if (limit > 0 && items.Count == limit)
                {
                    var last = items[^1];
                    next = ContinueToken.Encode(Meta(last, "namespace") ?? "", Meta(last, "name") ?? "");
                    break;
                }
                items.Add(item);
            }
        }
        var version = ReadCounter(connection, transaction);
        transaction.Commit();
        return Task.FromResult(new ObjectPage(items, version, next));
    }

    /// <summary>The SELECT of a list: kind, namespace, label requirements and the continue position, in name order.</summary>
    private static SqliteCommand ListCommand(SqliteConnection connection, SqliteTransaction transaction, string columns, ApiKind kind,
        string? @namespace, LabelSelector? labels, string? continueAfter)
    {
        var command = connection.CreateCommand();
        command.Transaction = transaction;
        var sql = new StringBuilder($"SELECT {columns} FROM objects r WHERE r.kind = $kind");
        command.Parameters.AddWithValue("$kind", kind.Kind);
        if (@namespace is not null && kind.Namespaced)
        {
            sql.Append(" AND r.namespace = $namespace");
            command.Parameters.AddWithValue("$namespace", @namespace);
        }
        if (continueAfter is { Length: > 0 })
        {
            var (afterNamespace, afterName) = ContinueToken.Decode(continueAfter);
            sql.Append(" AND (r.namespace > $afterNs OR (r.namespace = $afterNs AND r.name > $afterName))");
            command.Parameters.AddWithValue("$afterNs", afterNamespace);
            command.Parameters.AddWithValue("$afterName", afterName);
        }
        var i = 0;
        foreach (var requirement in labels?.Requirements ?? [])
        {
            var key = "$k" + i.ToString(CultureInfo.InvariantCulture);
            var value = "$v" + i.ToString(CultureInfo.InvariantCulture);
            i++;
            command.Parameters.AddWithValue(key, requirement.Key);
            const string label = "SELECT 1 FROM object_labels l WHERE l.kind = r.kind AND l.namespace = r.namespace AND l.name = r.name AND l.key = ";
            sql.Append(requirement.Operator switch
            {
                LabelOperator.Equals => $" AND EXISTS ({label}{key} AND l.value = {value})",
                LabelOperator.NotEquals => $" AND NOT EXISTS ({label}{key} AND l.value = {value})",
                LabelOperator.In => $" AND EXISTS ({label}{key} AND l.value IN (SELECT value FROM json_each({value})))",
                LabelOperator.NotIn => $" AND NOT EXISTS ({label}{key} AND l.value IN (SELECT value FROM json_each({value})))",
                LabelOperator.Exists => $" AND EXISTS ({label}{key})",
                _ => $" AND NOT EXISTS ({label}{key})",
            });
            if (requirement.Operator is LabelOperator.Equals or LabelOperator.NotEquals) command.Parameters.AddWithValue(value, requirement.Value);
            if (requirement.Operator is LabelOperator.In or LabelOperator.NotIn)
                command.Parameters.AddWithValue(value, JsonSerializer.Serialize(requirement.Values));
        }
        sql.Append(" ORDER BY r.namespace, r.name");
        command.CommandText = sql.ToString();
        return command;
    }

    /// <summary>
    /// The objects a list would return (no paging, no field selection) with their versions; an object's JSON is read
    /// and parsed only when <paramref name="known"/> says the caller does not hold that version of it already. The
    /// versions come from an index that holds them (no object is read for them); the JSON of the objects the caller does
    /// not hold is read one by one, or by a second pass over the list when they are many.
    /// </summary>
    public IReadOnlyList<VersionedObject> ListVersions(ApiKind kind, string? @namespace, LabelSelector? labels,
        Func<string, string, long, bool> known)
    {
        using var connection = Open();
        using var transaction = connection.BeginTransaction(deferred: true);
        var rows = new List<VersionedObject>();
        var unknown = new List<int>();
        using (var command = ListCommand(connection, transaction, "namespace, name, version", kind, @namespace, labels, null))
        using (var reader = command.ExecuteReader())
        {
            while (reader.Read())
            {
                var (ns, name, version) = (reader.GetString(0), reader.GetString(1), reader.GetInt64(2));
                if (!known(ns, name, version)) unknown.Add(rows.Count);
                rows.Add(new VersionedObject(ns, name, version, null));
            }
        }
        if (unknown.Count > 0 && unknown.Count * 8 > rows.Count)
        {
            // Most are new to the caller (its first list): one pass over them all, as the versions were read.
            using var command = ListCommand(connection, transaction, "json", kind, @namespace, labels, null);
            using var reader = command.ExecuteReader();
            var next = 0;
            foreach (var index in unknown)
            {
                while (next <= index && reader.Read()) next++;
                rows[index] = rows[index] with { Item = (JsonObject)JsonNode.Parse(_sealer.Open(reader.GetString(0)))! };
            }
        }
        else if (unknown.Count > 0)
        {
            using var command = connection.CreateCommand();
            command.Transaction = transaction;
            command.CommandText = "SELECT json FROM objects WHERE kind = $kind AND namespace = $namespace AND name = $name";
            var (kindParameter, namespaceParameter, nameParameter) = (command.Parameters.Add("$kind", SqliteType.Text),
                command.Parameters.Add("$namespace", SqliteType.Text), command.Parameters.Add("$name", SqliteType.Text));
            kindParameter.Value = kind.Kind;
            command.Prepare();
            foreach (var index in unknown)
            {
                (namespaceParameter.Value, nameParameter.Value) = (rows[index].Namespace, rows[index].Name);
                if (command.ExecuteScalar() is string json) rows[index] = rows[index] with { Item = (JsonObject)JsonNode.Parse(_sealer.Open(json))! };
            }
        }
        transaction.Commit();
        return rows;
    }

    /// <summary>Stores a new object, assigning uid, resourceVersion, creationTimestamp (and a name from generateName).</summary>
    public Task<JsonObject> CreateAsync(ApiKind kind, JsonObject item, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        var metadata = MetadataOf(item);
        var @namespace = NamespaceOf(kind, Meta(item, "namespace") ?? "");
        ObjectEvent change;
        lock (_writes)
        {
            using (var connection = Open())
            using (var transaction = connection.BeginTransaction())
            {
                var name = Meta(item, "name") ?? "";
                if (name.Length == 0 && Meta(item, "generateName") is { Length: > 0 } prefix)
                {
                    do name = prefix + RandomSuffix();
                    while (Read(connection, transaction, kind, @namespace, name) is not null);
                }
                if (Read(connection, transaction, kind, @namespace, name) is not null) throw ObjectStoreException.AlreadyExists(kind, name);
                var version = NextVersion(connection, transaction, kind);
                metadata["name"] = name;
                if (kind.Namespaced) metadata["namespace"] = @namespace;
                else metadata.Remove("namespace");
                metadata["uid"] = Guid.NewGuid().ToString();
                metadata["resourceVersion"] = version.ToString(CultureInfo.InvariantCulture);
                metadata["creationTimestamp"] = Timestamp(_time.GetUtcNow());
                metadata.Remove("deletionTimestamp");
                item["apiVersion"] = kind.ApiVersion;
                item["kind"] = kind.Kind;
                Write(connection, transaction, kind, @namespace, name, item, version, insert: true);
                transaction.Commit();
                change = new ObjectEvent(WatchEventType.Added, kind, item.DeepClone().AsObject(), version);
            }
            Publish(change);
        }
        return Task.FromResult(item);
    }

    /// <summary>
    /// Replaces the object if its resourceVersion is current (or not given); an object being deleted whose last finalizer
    /// goes is removed (null). The store keeps uid, creation and deletion timestamps.
    /// </summary>
    public Task<JsonObject?> UpdateAsync(ApiKind kind, JsonObject item, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        var @namespace = NamespaceOf(kind, Meta(item, "namespace") ?? "");
        var name = Meta(item, "name") ?? "";
        ObjectEvent change;
        JsonObject? result;
        lock (_writes)
        {
            using (var connection = Open())
            using (var transaction = connection.BeginTransaction())
            {
                var current = Read(connection, transaction, kind, @namespace, name) ?? throw ObjectStoreException.NotFound(kind, name);
                var wanted = Meta(item, "resourceVersion") ?? "";
                var have = Meta(current, "resourceVersion") ?? "";
                if (wanted.Length > 0 && wanted != have) throw ObjectStoreException.Conflict(kind, name);
                var metadata = MetadataOf(item);
                var currentMeta = MetadataOf(current);
                var deleting = currentMeta["deletionTimestamp"] is not null;
                var version = NextVersion(connection, transaction, kind);
                if (deleting && (metadata["finalizers"] is not JsonArray finalizers || finalizers.Count == 0))
                {
                    Remove(connection, transaction, kind, @namespace, name);
                    transaction.Commit();
                    currentMeta["resourceVersion"] = version.ToString(CultureInfo.InvariantCulture);
                    change = new ObjectEvent(WatchEventType.Deleted, kind, current, version);
                    result = null;
                }
                else
                {
                    foreach (var key in new[] { "uid", "creationTimestamp", "deletionTimestamp", "namespace", "generateName" })
                    {
                        if (currentMeta[key] is { } kept) metadata[key] = kept.DeepClone();
                        else metadata.Remove(key);
                    }
                    metadata["name"] = name;
                    metadata["resourceVersion"] = version.ToString(CultureInfo.InvariantCulture);
                    item["apiVersion"] = kind.ApiVersion;
                    item["kind"] = kind.Kind;
                    Write(connection, transaction, kind, @namespace, name, item, version, insert: false);
                    transaction.Commit();
                    change = new ObjectEvent(WatchEventType.Modified, kind, item.DeepClone().AsObject(), version, current);
                    result = item;
                }
            }
            Publish(change);
        }
        return Task.FromResult(result);
    }

    /// <summary>
    /// Deletes the object, or marks it deleting while finalizers remain (returned); null when it is gone. With a
    /// propagation policy, as the garbage collector does: dependents (objects whose ownerReferences name it) are deleted
    /// after it (Background) or before it (Foreground), or orphaned (their reference removed); a namespace takes its objects along.
    /// Without one (the control plane's own deletes) nothing else is touched.
    /// </summary>
    public async Task<JsonObject?> DeleteAsync(ApiKind kind, string @namespace, string name, CancellationToken cancellationToken,
        string? precondition = null, string? propagation = null)
    {
        if (propagation is null) return await DeleteOneAsync(kind, @namespace, name, cancellationToken, precondition).ConfigureAwait(false);
        var current = await GetAsync(kind, @namespace, name, cancellationToken).ConfigureAwait(false) ?? throw ObjectStoreException.NotFound(kind, name);
        var uid = Meta(current, "uid") ?? "";
        if (propagation == "Foreground") await CascadeAsync(uid, orphan: false, cancellationToken).ConfigureAwait(false);
        var remaining = await DeleteOneAsync(kind, @namespace, name, cancellationToken, precondition).ConfigureAwait(false);
        if (propagation != "Foreground") await CascadeAsync(uid, orphan: propagation == "Orphan", cancellationToken).ConfigureAwait(false);
        if (kind == ApiKinds.Namespace && remaining is null) await DeleteNamespaceContentsAsync(name, cancellationToken).ConfigureAwait(false);
        return remaining;
    }

    private async Task CascadeAsync(string uid, bool orphan, CancellationToken cancellationToken)
    {
        if (uid.Length == 0) return;
        foreach (var kind in ApiKinds.All)
        {
            var page = await ListAsync(kind, null, null, null, 0, null, cancellationToken).ConfigureAwait(false);
            foreach (var item in page.Items)
            {
                if (item["metadata"]?["ownerReferences"] is not JsonArray owners || !owners.Any(o => (string?)o?["uid"] == uid)) continue;
                try
                {
                    if (orphan)
                    {
                        foreach (var owner in owners.Where(o => (string?)o?["uid"] == uid).ToList()) owners.Remove(owner);
                        await UpdateAsync(kind, item, cancellationToken).ConfigureAwait(false);
                    }
                    else
                    {
                        await DeleteAsync(kind, Meta(item, "namespace") ?? "", Meta(item, "name") ?? "", cancellationToken, propagation: "Background")
                            .ConfigureAwait(false);
                    }
                }
                catch (ObjectStoreException e) when (e.Reason is "NotFound" or "Conflict")
                {
                    // Gone or changed meanwhile: the dependent is someone else's business now.
                }
            }
        }
    }

    private async Task DeleteNamespaceContentsAsync(string @namespace, CancellationToken cancellationToken)
    {
        foreach (var kind in ApiKinds.All.Where(k => k.Namespaced))
        {
            var page = await ListAsync(kind, @namespace, null, null, 0, null, cancellationToken).ConfigureAwait(false);
            foreach (var item in page.Items)
            {
                try
                {
                    await DeleteOneAsync(kind, @namespace, Meta(item, "name") ?? "", cancellationToken, null).ConfigureAwait(false);
                }
                catch (ObjectStoreException e) when (e.Reason == "NotFound")
                {
                }
            }
        }
    }

    private Task<JsonObject?> DeleteOneAsync(ApiKind kind, string @namespace, string name, CancellationToken cancellationToken, string? precondition)
    {
        cancellationToken.ThrowIfCancellationRequested();
        @namespace = NamespaceOf(kind, @namespace);
        ObjectEvent? change = null;
        JsonObject? result;
        lock (_writes)
        {
            using (var connection = Open())
            using (var transaction = connection.BeginTransaction())
            {
                var current = Read(connection, transaction, kind, @namespace, name) ?? throw ObjectStoreException.NotFound(kind, name);
                var metadata = MetadataOf(current);
                if (precondition is { Length: > 0 } && precondition != Meta(current, "resourceVersion")) throw ObjectStoreException.Conflict(kind, name);
                var hasFinalizers = metadata["finalizers"] is JsonArray { Count: > 0 };
                if (!hasFinalizers)
                {
                    var version = NextVersion(connection, transaction, kind);
                    Remove(connection, transaction, kind, @namespace, name);
                    metadata["resourceVersion"] = version.ToString(CultureInfo.InvariantCulture);
                    change = new ObjectEvent(WatchEventType.Deleted, kind, current, version);
                    result = null;
                }
                else if (metadata["deletionTimestamp"] is not null) result = current;
                else
                {
                    var version = NextVersion(connection, transaction, kind);
                    var previous = current.DeepClone().AsObject();
                    metadata["deletionTimestamp"] = Timestamp(_time.GetUtcNow());
                    metadata["resourceVersion"] = version.ToString(CultureInfo.InvariantCulture);
                    Write(connection, transaction, kind, @namespace, name, current, version, insert: false);
                    change = new ObjectEvent(WatchEventType.Modified, kind, current.DeepClone().AsObject(), version, previous);
                    result = current;
                }
                transaction.Commit();
            }
            if (change is not null) Publish(change);
        }
        return Task.FromResult(result);
    }

    /// <summary>
    /// Changes after <paramref name="afterVersion"/> of every kind, in order, as they happen; the history is replayed first.
    /// Throws <see cref="ObjectStoreException"/> (Gone) when that version is older than the history kept.
    /// </summary>
    public ChannelReader<ObjectEvent> Watch(long afterVersion, CancellationToken cancellationToken)
    {
        var channel = Channel.CreateUnbounded<ObjectEvent>(new UnboundedChannelOptions { SingleReader = true });
        lock (_gate)
        {
            if (_history.First is { } oldest && afterVersion < oldest.Value.Version - 1 && afterVersion < CurrentVersion)
                throw ObjectStoreException.Gone(afterVersion);
            foreach (var past in _history.Where(e => e.Version > afterVersion)) channel.Writer.TryWrite(past);
            _watchers.Add(channel);
        }
        cancellationToken.Register(() =>
        {
            lock (_gate) _watchers.Remove(channel);
            channel.Writer.TryComplete();
        });
        return channel.Reader;
    }

    public static string Timestamp(DateTimeOffset time) => time.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.FFFFFFF'Z'", CultureInfo.InvariantCulture);

    public static JsonObject MetadataOf(JsonObject item) => item["metadata"] as JsonObject ?? (JsonObject)(item["metadata"] = new JsonObject());

    public static string? Meta(JsonObject item, string key) => item["metadata"]?[key] is JsonValue value && value.TryGetValue<string>(out var text) ? text : null;

    private static string NamespaceOf(ApiKind kind, string @namespace) => kind.Namespaced ? (@namespace.Length == 0 ? "default" : @namespace) : "";

    private void Publish(ObjectEvent change)
    {
        lock (_gate)
        {
            CurrentVersion = Math.Max(CurrentVersion, change.Version);
            _history.AddLast(change);
            while (_history.Count > HistoryLength) _history.RemoveFirst();
            foreach (var watcher in _watchers) watcher.Writer.TryWrite(change);
        }
    }

    private static string RandomSuffix()
    {
        const string alphabet = "bcdfghjklmnpqrstvwxz2456789";
        return string.Create(5, 0, (span, _) =>
        {
            for (var i = 0; i < span.Length; i++) span[i] = alphabet[System.Security.Cryptography.RandomNumberGenerator.GetInt32(alphabet.Length)];
        });
    }

    /// <summary>
    /// A pooled connection. Reads run in deferred transactions (in WAL mode a reader neither waits for a writer nor
    /// holds one up); writes take <c>_writes</c>, so within the host no two want the write lock at once. Another
    /// process's write (kubectl's host, a second host on the same file) is waited out by SQLite's busy handler, which
    /// backs off from 1 ms, instead of Microsoft.Data.Sqlite's 150 ms sleeps between retries.
    /// </summary>
    private SqliteConnection Open()
    {
        var connection = new SqliteConnection(_connectionString);
        connection.Open();
        using var busy = connection.CreateCommand();
        busy.CommandText = "PRAGMA busy_timeout = 30000";
        busy.ExecuteNonQuery();
        return connection;
    }

    /// <summary>Databases of earlier versions kept typed resources in <c>resources</c>, all in longhorn-system; move them over once.</summary>
    private static void MigrateFromResourcesTable(SqliteConnection connection)
    {
        using var check = connection.CreateCommand();
        check.CommandText = "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = 'resources'";
        if ((long)check.ExecuteScalar()! == 0) return;
        using var transaction = connection.BeginTransaction();
        Execute(connection, transaction, """
            INSERT OR IGNORE INTO objects (kind, namespace, name, version, json)
                SELECT kind, CASE kind WHEN 'StorageClass' THEN '' ELSE 'longhorn-system' END, name, version, json FROM resources;
            INSERT OR IGNORE INTO object_labels (kind, namespace, name, key, value)
                SELECT kind, CASE kind WHEN 'StorageClass' THEN '' ELSE 'longhorn-system' END, name, key, value FROM labels;
            DROP TABLE resources;
            DROP TABLE IF EXISTS labels;
            """);
        transaction.Commit();
    }

    private JsonObject? Read(SqliteConnection connection, SqliteTransaction? transaction, ApiKind kind, string @namespace, string name)
    {
        using var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = "SELECT json FROM objects WHERE kind = $kind AND namespace = $namespace AND name = $name";
        command.Parameters.AddWithValue("$kind", kind.Kind);
        command.Parameters.AddWithValue("$namespace", @namespace);
        command.Parameters.AddWithValue("$name", name);
        return command.ExecuteScalar() is string json ? (JsonObject)JsonNode.Parse(_sealer.Open(json))! : null;
    }

    private void Write(SqliteConnection connection, SqliteTransaction transaction, ApiKind kind, string @namespace, string name,
        JsonObject item, long version, bool insert)
    {
        using (var command = connection.CreateCommand())
        {
            command.Transaction = transaction;
            command.CommandText = insert
                ? "INSERT INTO objects (kind, namespace, name, version, json) VALUES ($kind, $namespace, $name, $version, $json)"
                : "UPDATE objects SET version = $version, json = $json WHERE kind = $kind AND namespace = $namespace AND name = $name";
            command.Parameters.AddWithValue("$kind", kind.Kind);
            command.Parameters.AddWithValue("$namespace", @namespace);
            command.Parameters.AddWithValue("$name", name);
            command.Parameters.AddWithValue("$version", version);
            // Secrets are sealed at rest (SecretSealer); every other kind is plain JSON.
            command.Parameters.AddWithValue("$json", kind == ApiKinds.Secret ? _sealer.Seal(item.ToJsonString()) : item.ToJsonString());
            command.ExecuteNonQuery();
        }
        Execute(connection, transaction, "DELETE FROM object_labels WHERE kind = $kind AND namespace = $namespace AND name = $name",
            ("$kind", kind.Kind), ("$namespace", @namespace), ("$name", name));
        if (item["metadata"]?["labels"] is not JsonObject labels) return;
        foreach (var (key, value) in labels)
        {
            Execute(connection, transaction, "INSERT INTO object_labels (kind, namespace, name, key, value) VALUES ($kind, $namespace, $name, $key, $value)",
                ("$kind", kind.Kind), ("$namespace", @namespace), ("$name", name), ("$key", key), ("$value", value?.ToString() ?? ""));
        }
    }

    private static void Remove(SqliteConnection connection, SqliteTransaction transaction, ApiKind kind, string @namespace, string name)
    {
        Execute(connection, transaction, "DELETE FROM objects WHERE kind = $kind AND namespace = $namespace AND name = $name",
            ("$kind", kind.Kind), ("$namespace", @namespace), ("$name", name));
        Execute(connection, transaction, "DELETE FROM object_labels WHERE kind = $kind AND namespace = $namespace AND name = $name",
            ("$kind", kind.Kind), ("$namespace", @namespace), ("$name", name));
    }

    /// <summary>The next resourceVersion, recorded also as the latest write of <paramref name="kind"/> (see <see cref="ReadVersion"/>).</summary>
    private static long NextVersion(SqliteConnection connection, SqliteTransaction transaction, ApiKind kind)
    {
        using var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = "UPDATE counter SET version = version + 1 WHERE id = 0 RETURNING version";
        var version = (long)command.ExecuteScalar()!;
        Execute(connection, transaction, "INSERT INTO kind_versions (kind, version) VALUES ($kind, $version) ON CONFLICT (kind) DO UPDATE SET version = excluded.version",
            ("$kind", kind.Kind), ("$version", version));
        return version;
    }

    private static long ReadCounter(SqliteConnection connection, SqliteTransaction? transaction = null)
    {
        using var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = "SELECT version FROM counter WHERE id = 0";
        return (long)command.ExecuteScalar()!;
    }

    private static void Execute(SqliteConnection connection, SqliteTransaction? transaction, string sql, params (string Name, object Value)[] parameters)
    {
        using var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = sql;
        foreach (var (name, value) in parameters) command.Parameters.AddWithValue(name, value);
        command.ExecuteNonQuery();
    }
}

/// <summary>One page of a list: the items, the resourceVersion the list was read at, and the continue token of the next page.</summary>
public sealed record ObjectPage(IReadOnlyList<JsonObject> Items, long ResourceVersion, string? Continue);

/// <summary>An object of a list with its version; <see cref="Item"/> is null where the caller already held that version.</summary>
public sealed record VersionedObject(string Namespace, string Name, long Version, JsonObject? Item);

public enum WatchEventType
{
    Added,
    Modified,
    Deleted,
}

/// <summary>A change to one object, as a watch reports it.</summary>
/// <summary>A change; a modification carries the object as it was before (<see cref="Previous"/>), so a selective watch knows what entered or left its selection.</summary>
public sealed record ObjectEvent(WatchEventType Type, ApiKind Kind, JsonObject Object, long Version, JsonObject? Previous = null);

/// <summary>The opaque continue token of a paged list: the last key returned.</summary>
public static class ContinueToken
{
    public static string Encode(string @namespace, string name) => Convert.ToBase64String(Encoding.UTF8.GetBytes(@namespace + "\n" + name));

    public static (string Namespace, string Name) Decode(string token)
    {
        try
        {
            var parts = Encoding.UTF8.GetString(Convert.FromBase64String(token)).Split('\n', 2);
            if (parts.Length == 2) return (parts[0], parts[1]);
        }
        catch (FormatException)
        {
        }
        throw ObjectStoreException.Invalid("continue", $"the continue token {token} is not one this server gave");
    }
}
