using System.Text.Json.Nodes;
using Longhorn.Functions.Hosting;
using Longhorn.Functions.Resources;
using Longhorn.Simulator.Cluster;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Options;

namespace Longhorn.Functions.ControlPlane.SystemBackups;

/// <summary>
/// The cluster's objects that are not typed resources of this host (namespace, service accounts, RBAC, config maps,
/// services, workloads, CRDs, engine images, PVs, PVCs): one JSON row per object beside the resources in the host's
/// database, seeded once with a Longhorn install. A stand-in for the generic Kubernetes object store.
/// </summary>
public sealed class ClusterObjectTable
{
    private readonly string _connectionString;
    private readonly TimeProvider _time;
    private readonly SemaphoreSlim _seeding = new(1, 1);
    private volatile bool _seeded;

    private readonly IResourceStore _store;

    public ClusterObjectTable(IResourceStore store, IOptions<LonghornOptions> options, TimeProvider time)
    {
        _store = store;
        _time = time;
        var path = options.Value.DatabasePath;
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        _connectionString = new SqliteConnectionStringBuilder { DataSource = path, Mode = SqliteOpenMode.ReadWriteCreate, DefaultTimeout = 30 }.ToString();
        using var connection = Open();
        using var command = connection.CreateCommand();
        command.CommandText = """
            CREATE TABLE IF NOT EXISTS cluster_objects (api_version TEXT NOT NULL, kind TEXT NOT NULL, namespace TEXT NOT NULL, name TEXT NOT NULL,
                json TEXT NOT NULL, PRIMARY KEY (api_version, kind, namespace, name));
            CREATE TABLE IF NOT EXISTS cluster_seeded (id INTEGER PRIMARY KEY CHECK (id = 0));
            """;
        command.ExecuteNonQuery();
    }

    public async Task<IReadOnlyList<JsonObject>> ListAsync(string apiVersion, string kind, string? @namespace, CancellationToken cancellationToken)
    {
        await SeedAsync(cancellationToken).ConfigureAwait(false);
        using var connection = Open();
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT json FROM cluster_objects WHERE api_version = $a AND kind = $k" +
                              (@namespace is null ? "" : " AND namespace = $n") + " ORDER BY namespace, name";
        command.Parameters.AddWithValue("$a", apiVersion);
        command.Parameters.AddWithValue("$k", kind);
        if (@namespace is not null) command.Parameters.AddWithValue("$n", @namespace);
        var result = new List<JsonObject>();
        using var reader = command.ExecuteReader();
        while (reader.Read()) result.Add(JsonNode.Parse(reader.GetString(0))!.AsObject());
        return result;
    }

    /// <summary>Creates or replaces the object; uid and creationTimestamp are kept from the stored one or assigned.</summary>
    public async Task PutAsync(JsonObject item, CancellationToken cancellationToken)
    {
        await SeedAsync(cancellationToken).ConfigureAwait(false);
        Put(item);
    }

    private void Put(JsonObject item)
    {
        var (apiVersion, kind, @namespace, name) = KubernetesObjects.Identity(item);
        using var connection = Open();
        using var transaction = connection.BeginTransaction();
        var copy = item.DeepClone().AsObject();
        var metadata = copy["metadata"]!.AsObject();
        using (var read = connection.CreateCommand())
        {
            read.Transaction = transaction;
            read.CommandText = "SELECT json FROM cluster_objects WHERE api_version = $a AND kind = $k AND namespace = $n AND name = $name";
            Bind(read, apiVersion, kind, @namespace, name);
            var stored = read.ExecuteScalar() is string json ? JsonNode.Parse(json)!["metadata"] : null;
            metadata["uid"] = (string?)stored?["uid"] ?? Guid.NewGuid().ToString();
            metadata["creationTimestamp"] = (string?)stored?["creationTimestamp"] ?? KubernetesObjects.Time(_time.GetUtcNow());
        }
        metadata.Remove("resourceVersion");
        using (var write = connection.CreateCommand())
        {
            write.Transaction = transaction;
            write.CommandText = "INSERT OR REPLACE INTO cluster_objects (api_version, kind, namespace, name, json) VALUES ($a, $k, $n, $name, $json)";
            Bind(write, apiVersion, kind, @namespace, name);
            write.Parameters.AddWithValue("$json", copy.ToJsonString());
            write.ExecuteNonQuery();
        }
        transaction.Commit();
    }

    /// <summary>A new cluster gets Longhorn's install objects once; later edits and deletions are never undone.</summary>
    public async Task SeedAsync(CancellationToken cancellationToken)
    {
        if (_seeded) return;
        await _seeding.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (_seeded) return;
            using var connection = Open();
            using var check = connection.CreateCommand();
            check.CommandText = "SELECT COUNT(*) FROM cluster_seeded";
            if ((long)check.ExecuteScalar()! == 0)
            {
                // The storage class is a typed resource of this host; the rest of the install lives here.
                foreach (var item in DefaultLonghornInstall.Objects().Where(o => (string?)o["kind"] != StorageClass.KindName)) Put(item);
                if (await _store.GetAsync<StorageClass>(DefaultLonghornInstall.StorageClassName, cancellationToken).ConfigureAwait(false) is null)
                {
                    await _store.CreateAsync(new StorageClass
                    {
                        Metadata = new ObjectMeta { Name = DefaultLonghornInstall.StorageClassName, Namespace = "" },
                        Provisioner = DefaultLonghornInstall.Provisioner,
                    }, cancellationToken).ConfigureAwait(false);
                }
                using var mark = connection.CreateCommand();
                mark.CommandText = "INSERT OR IGNORE INTO cluster_seeded (id) VALUES (0)";
                mark.ExecuteNonQuery();
            }
            _seeded = true;
        }
        finally
        {
            _seeding.Release();
        }
    }

    private static void Bind(SqliteCommand command, string apiVersion, string kind, string @namespace, string name)
    {
        command.Parameters.AddWithValue("$a", apiVersion);
        command.Parameters.AddWithValue("$k", kind);
        command.Parameters.AddWithValue("$n", @namespace);
        command.Parameters.AddWithValue("$name", name);
    }

    private SqliteConnection Open()
    {
        var connection = new SqliteConnection(_connectionString);
        connection.Open();
        return connection;
    }
}
