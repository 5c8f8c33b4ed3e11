using System.Globalization;
using System.Text;
using System.Text.Json;
using Longhorn.Functions.Hosting;
using Microsoft.Data.Sqlite;

namespace Longhorn.Functions.Resources;

/// <summary>
/// The embedded resource store: one SQLite file, one row per object (JSON) plus a label table for selectors.
/// resourceVersion is a store-wide counter, so every write of any object gets a new, larger version.
/// </summary>
public sealed class SqliteResourceStore : IResourceStore
{
    private readonly string _connectionString;
    private readonly TimeProvider _time;

    public SqliteResourceStore(string databasePath, TimeProvider time)
    {
        _time = time;
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(databasePath))!);
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
            CREATE TABLE IF NOT EXISTS resources (kind TEXT NOT NULL, name TEXT NOT NULL, version INTEGER NOT NULL, json TEXT NOT NULL,
                PRIMARY KEY (kind, name));
            CREATE TABLE IF NOT EXISTS labels (kind TEXT NOT NULL, name TEXT NOT NULL, key TEXT NOT NULL, value TEXT NOT NULL,
                PRIMARY KEY (kind, name, key));
            CREATE INDEX IF NOT EXISTS labels_by_key ON labels (kind, key, value);
            CREATE TABLE IF NOT EXISTS counter (id INTEGER PRIMARY KEY CHECK (id = 0), version INTEGER NOT NULL);
            INSERT OR IGNORE INTO counter (id, version) VALUES (0, 0);
            """);
    }

    public Task<T?> GetAsync<T>(string name, CancellationToken cancellationToken) where T : Resource, IResourceKind
    {
        cancellationToken.ThrowIfCancellationRequested();
        using var connection = Open();
        return Task.FromResult(Read<T>(connection, null, name));
    }

    public Task<IReadOnlyList<T>> ListAsync<T>(LabelSelector? selector, CancellationToken cancellationToken) where T : Resource, IResourceKind
    {
        cancellationToken.ThrowIfCancellationRequested();
        using var connection = Open();
        using var command = connection.CreateCommand();
        var sql = new StringBuilder("SELECT json FROM resources r WHERE r.kind = $kind");
        command.Parameters.AddWithValue("$kind", T.KindName);
        var i = 0;
        foreach (var requirement in selector?.Requirements ?? [])
        {
            var key = "$k" + i.ToString(CultureInfo.InvariantCulture);
            var value = "$v" + i.ToString(CultureInfo.InvariantCulture);
            i++;
            command.Parameters.AddWithValue(key, requirement.Key);
            const string label = "SELECT 1 FROM labels l WHERE l.kind = r.kind AND l.name = r.name AND l.key = ";
            sql.Append(requirement.Operator switch
            {
                LabelOperator.Equals => $" AND EXISTS ({label}{key} AND l.value = {value})",
                LabelOperator.NotEquals => $" AND NOT EXISTS ({label}{key} AND l.value = {value})",
                LabelOperator.Exists => $" AND EXISTS ({label}{key})",
                _ => $" AND NOT EXISTS ({label}{key})",
            });
            if (requirement.Operator is LabelOperator.Equals or LabelOperator.NotEquals)
                command.Parameters.AddWithValue(value, requirement.Value);
        }
        sql.Append(" ORDER BY r.name");
        command.CommandText = sql.ToString();
        var result = new List<T>();
        using var reader = command.ExecuteReader();
        while (reader.Read()) result.Add(Deserialize<T>(reader.GetString(0)));
        return Task.FromResult<IReadOnlyList<T>>(result);
    }

    public Task<T> CreateAsync<T>(T resource, CancellationToken cancellationToken) where T : Resource, IResourceKind
    {
        cancellationToken.ThrowIfCancellationRequested();
        using var connection = Open();
        using var transaction = connection.BeginTransaction();
        if (Read<T>(connection, transaction, resource.Name) is not null)
            throw new ResourceConflictException($"{T.KindName} {resource.Name} already exists");
        var version = NextVersion(connection, transaction);
        var stored = resource.WithMetadata(resource.Metadata with
        {
            Namespace = resource.Metadata.Namespace.Length == 0 ? ObjectMeta.LonghornNamespace : resource.Metadata.Namespace,
            Uid = Guid.NewGuid().ToString(),
            ResourceVersion = version.ToString(CultureInfo.InvariantCulture),
            CreationTimestamp = _time.GetUtcNow(),
            DeletionTimestamp = null,
        });
        Write(connection, transaction, stored, version, insert: true);
        transaction.Commit();
        return Task.FromResult(stored);
    }

    public Task<T?> UpdateAsync<T>(T resource, CancellationToken cancellationToken) where T : Resource, IResourceKind
    {
        cancellationToken.ThrowIfCancellationRequested();
        using var connection = Open();
        using var transaction = connection.BeginTransaction();
        var current = Read<T>(connection, transaction, resource.Name) ?? throw new ResourceNotFoundException(T.KindName, resource.Name);
        if (resource.Metadata.ResourceVersion.Length > 0 && resource.Metadata.ResourceVersion != current.Metadata.ResourceVersion)
            throw new ResourceConflictException(
                $"the object has been modified: {T.KindName} {resource.Name} is at resourceVersion {current.Metadata.ResourceVersion}, " +
                $"not {resource.Metadata.ResourceVersion}; read it again and retry");
        T? result;
        if (current.IsDeleting && resource.Metadata.Finalizers.Count == 0)
        {
            Remove(connection, transaction, T.KindName, resource.Name);
            result = null;
        }
        else
        {
            var version = NextVersion(connection, transaction);
            // uid, creation and deletion timestamps belong to the store, not to the writer.
            result = resource.WithMetadata(resource.Metadata with
            {
                Namespace = current.Metadata.Namespace,
                Uid = current.Metadata.Uid,
                CreationTimestamp = current.Metadata.CreationTimestamp,
                DeletionTimestamp = current.Metadata.DeletionTimestamp,
                ResourceVersion = version.ToString(CultureInfo.InvariantCulture),
            });
            Write(connection, transaction, result, version, insert: false);
        }
        transaction.Commit();
        return Task.FromResult(result);
    }

    public Task<T?> DeleteAsync<T>(string name, CancellationToken cancellationToken) where T : Resource, IResourceKind
    {
        cancellationToken.ThrowIfCancellationRequested();
        using var connection = Open();
        using var transaction = connection.BeginTransaction();
        var current = Read<T>(connection, transaction, name) ?? throw new ResourceNotFoundException(T.KindName, name);
        T? result = null;
        if (current.Metadata.Finalizers.Count == 0) Remove(connection, transaction, T.KindName, name);
        else if (current.IsDeleting) result = current;
        else
        {
            var version = NextVersion(connection, transaction);
            result = current.WithMetadata(current.Metadata with
            {
                DeletionTimestamp = _time.GetUtcNow(),
                ResourceVersion = version.ToString(CultureInfo.InvariantCulture),
            });
            Write(connection, transaction, result, version, insert: false);
        }
        transaction.Commit();
        return Task.FromResult(result);
    }

    private SqliteConnection Open()
    {
        var connection = new SqliteConnection(_connectionString);
        connection.Open();
        return connection;
    }

    private static T? Read<T>(SqliteConnection connection, SqliteTransaction? transaction, string name) where T : Resource, IResourceKind
    {
        using var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = "SELECT json FROM resources WHERE kind = $kind AND name = $name";
        command.Parameters.AddWithValue("$kind", T.KindName);
        command.Parameters.AddWithValue("$name", name);
        return command.ExecuteScalar() is string json ? Deserialize<T>(json) : null;
    }

    private static void Write<T>(SqliteConnection connection, SqliteTransaction transaction, T resource, long version, bool insert)
        where T : Resource, IResourceKind
    {
        using (var command = connection.CreateCommand())
        {
            command.Transaction = transaction;
            command.CommandText = insert
                ? "INSERT INTO resources (kind, name, version, json) VALUES ($kind, $name, $version, $json)"
                : "UPDATE resources SET version = $version, json = $json WHERE kind = $kind AND name = $name";
            command.Parameters.AddWithValue("$kind", T.KindName);
            command.Parameters.AddWithValue("$name", resource.Name);
            command.Parameters.AddWithValue("$version", version);
            command.Parameters.AddWithValue("$json", JsonSerializer.Serialize(resource, Json.Options));
            command.ExecuteNonQuery();
        }
        Execute(connection, transaction, "DELETE FROM labels WHERE kind = $kind AND name = $name", ("$kind", T.KindName), ("$name", resource.Name));
        foreach (var (key, value) in resource.Metadata.Labels)
        {
            Execute(connection, transaction, "INSERT INTO labels (kind, name, key, value) VALUES ($kind, $name, $key, $value)",
                ("$kind", T.KindName), ("$name", resource.Name), ("$key", key), ("$value", value));
        }
    }

    private static void Remove(SqliteConnection connection, SqliteTransaction transaction, string kind, string name)
    {
        Execute(connection, transaction, "DELETE FROM resources WHERE kind = $kind AND name = $name", ("$kind", kind), ("$name", name));
        Execute(connection, transaction, "DELETE FROM labels WHERE kind = $kind AND name = $name", ("$kind", kind), ("$name", name));
    }

    private static long NextVersion(SqliteConnection connection, SqliteTransaction transaction)
    {
        using var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = "UPDATE counter SET version = version + 1 WHERE id = 0 RETURNING version";
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

    private static T Deserialize<T>(string json) where T : Resource =>
        JsonSerializer.Deserialize<T>(json, Json.Options) ?? throw new InvalidDataException($"stored {typeof(T).Name} is null");
}
