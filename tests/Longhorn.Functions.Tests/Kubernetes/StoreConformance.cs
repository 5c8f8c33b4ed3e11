using System.Text.Json.Nodes;

namespace Longhorn.Functions.Tests.Kubernetes;

/// <summary>
/// One contract for the cluster's object store, run in-process and through the Kubernetes API with KubernetesClient:
/// resourceVersion conflicts, finalizers, label and field selectors, owner references with cascading delete, watch order.
/// </summary>
public abstract class StoreConformance
{
    protected const string Namespace = "longhorn-system";

    protected abstract Task<JsonObject> CreateAsync(JsonObject configMap);

    protected abstract Task<JsonObject?> GetAsync(string name);

    protected abstract Task<JsonObject> UpdateAsync(JsonObject configMap);

    protected abstract Task DeleteAsync(string name, string propagation);

    protected abstract Task<(List<string> Names, string ResourceVersion)> ListAsync(string? labelSelector, string? fieldSelector);

    /// <summary>Events after the version, as (type, name, resourceVersion), until the token ends the watch.</summary>
    protected abstract IAsyncEnumerable<(string Type, string Name, string ResourceVersion)> WatchAsync(string fromVersion, CancellationToken cancellationToken);

    /// <summary>Whether the exception is the store's "already exists" or "modified since you read it".</summary>
    protected abstract bool IsConflict(Exception e);

    protected static JsonObject ConfigMap(string name, Dictionary<string, string>? labels = null, string[]? finalizers = null, JsonObject? owner = null)
    {
        var metadata = new JsonObject { ["name"] = name, ["namespace"] = Namespace };
        if (labels is not null) metadata["labels"] = new JsonObject(labels.Select(l => KeyValuePair.Create(l.Key, (JsonNode?)JsonValue.Create(l.Value))));
        if (finalizers is not null) metadata["finalizers"] = new JsonArray(finalizers.Select(f => (JsonNode?)JsonValue.Create(f)).ToArray());
        if (owner is not null)
        {
            metadata["ownerReferences"] = new JsonArray(new JsonObject
            {
                ["apiVersion"] = "v1", ["kind"] = "ConfigMap", ["name"] = (string?)owner["metadata"]!["name"], ["uid"] = (string?)owner["metadata"]!["uid"],
            });
        }
        return new JsonObject { ["apiVersion"] = "v1", ["kind"] = "ConfigMap", ["metadata"] = metadata, ["data"] = new JsonObject { ["k"] = "v" } };
    }

    protected static string Rv(JsonObject item) => (string)item["metadata"]!["resourceVersion"]!;

    [Fact]
    public async Task Create_assigns_identity_and_a_taken_name_conflicts()
    {
        var created = await CreateAsync(ConfigMap("one"));
        Assert.False(string.IsNullOrEmpty((string?)created["metadata"]!["uid"]));
        Assert.False(string.IsNullOrEmpty(Rv(created)));
        Assert.NotNull(created["metadata"]!["creationTimestamp"]);
        var e = await Record.ExceptionAsync(() => CreateAsync(ConfigMap("one")));
        Assert.True(e is not null && IsConflict(e), e?.ToString());
    }

    [Fact]
    public async Task An_update_with_a_stale_resource_version_conflicts_and_a_current_one_advances_it()
    {
        var created = await CreateAsync(ConfigMap("two"));
        var first = (JsonObject)created.DeepClone();
        first["data"]!["k"] = "first";
        var updated = await UpdateAsync(first);
        Assert.True(long.Parse(Rv(updated), System.Globalization.CultureInfo.InvariantCulture) > long.Parse(Rv(created), System.Globalization.CultureInfo.InvariantCulture));

        var stale = (JsonObject)created.DeepClone();
        stale["data"]!["k"] = "stale";
        var e = await Record.ExceptionAsync(() => UpdateAsync(stale));
        Assert.True(e is not null && IsConflict(e), e?.ToString());
        Assert.Equal("first", (string?)(await GetAsync("two"))!["data"]!["k"]);
    }

    [Fact]
    public async Task A_delete_waits_for_the_last_finalizer()
    {
        await CreateAsync(ConfigMap("three", finalizers: ["example.com/keep"]));
        await DeleteAsync("three", "Background");
        var deleting = await GetAsync("three");
        Assert.NotNull(deleting);
        Assert.NotNull(deleting!["metadata"]!["deletionTimestamp"]);
        deleting["metadata"]!["finalizers"] = new JsonArray();
        await Record.ExceptionAsync(() => UpdateAsync(deleting));
        Assert.Null(await GetAsync("three"));
    }

    [Fact]
    public async Task Label_and_field_selectors_choose_the_objects()
    {
        await CreateAsync(ConfigMap("sel-a", new() { ["tier"] = "gold" }));
        await CreateAsync(ConfigMap("sel-b", new() { ["tier"] = "silver" }));
        await CreateAsync(ConfigMap("sel-c"));
        Assert.Equal(["sel-a"], (await ListAsync("tier=gold", null)).Names);
        Assert.Equal(["sel-b", "sel-c"], (await ListAsync("tier!=gold", null)).Names.Where(n => n.StartsWith("sel-", StringComparison.Ordinal)));
        Assert.Equal(["sel-a", "sel-b"], (await ListAsync("tier in (gold,silver)", null)).Names);
        Assert.Equal(["sel-c"], (await ListAsync("!tier", null)).Names.Where(n => n.StartsWith("sel-", StringComparison.Ordinal)));
        Assert.Equal(["sel-b"], (await ListAsync(null, "metadata.name=sel-b")).Names);
        Assert.Equal(["sel-a", "sel-b"], (await ListAsync("tier", "metadata.name!=sel-c")).Names);
    }

    [Fact]
    public async Task Deleting_an_owner_deletes_its_dependents_or_orphans_them()
    {
        var parent = await CreateAsync(ConfigMap("parent"));
        await CreateAsync(ConfigMap("child", owner: parent));
        await DeleteAsync("parent", "Background");
        Assert.Null(await GetAsync("parent"));
        Assert.Null(await GetAsync("child"));

        var keeper = await CreateAsync(ConfigMap("keeper"));
        await CreateAsync(ConfigMap("orphan", owner: keeper));
        await DeleteAsync("keeper", "Orphan");
        var orphan = await GetAsync("orphan");
        Assert.NotNull(orphan);
        Assert.True(orphan!["metadata"]!["ownerReferences"] is null or JsonArray { Count: 0 });
    }

    [Fact]
    public async Task A_watch_sees_create_update_and_delete_in_order()
    {
        var (_, version) = await ListAsync(null, null);
        using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        var events = new List<(string Type, string Name, string ResourceVersion)>();
        var watching = Task.Run(async () =>
        {
            await foreach (var change in WatchAsync(version, stop.Token))
            {
                if (!change.Name.StartsWith("watched", StringComparison.Ordinal)) continue;
                lock (events) events.Add(change);
                if (change.Type == "DELETED") break;
            }
        });
        var created = await CreateAsync(ConfigMap("watched"));
        created["data"]!["k"] = "changed";
        await UpdateAsync(created);
        await DeleteAsync("watched", "Background");
        await watching.WaitAsync(stop.Token);
        Assert.Equal(["ADDED", "MODIFIED", "DELETED"], events.Select(e => e.Type));
        var versions = events.Select(e => long.Parse(e.ResourceVersion, System.Globalization.CultureInfo.InvariantCulture)).ToList();
        Assert.Equal(versions.Order(), versions);
        Assert.Equal(versions.Count, versions.Distinct().Count());
    }

    [Fact]
    public async Task Writes_at_once_reach_a_watch_each_once_in_resource_version_order()
    {
        // As the API server promises: a watch delivers changes in resourceVersion order. Sixteen writers at once (the
        // control plane's backups, their progress and the API's clients do) must not interleave their commits and events.
        var (_, version) = await ListAsync(null, null);
        const int writers = 16, each = 40;
        using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        var events = new List<(string Type, string Name, string ResourceVersion)>();
        var watching = Task.Run(async () =>
        {
            await foreach (var change in WatchAsync(version, stop.Token))
            {
                if (!change.Name.StartsWith("racing-", StringComparison.Ordinal)) continue;
                events.Add(change);
                if (events.Count == writers * each * 2) break;
            }
        });
        await Task.WhenAll(Enumerable.Range(0, writers).Select(w => Task.Run(async () =>
        {
            for (var i = 0; i < each; i++)
            {
                var created = await CreateAsync(ConfigMap($"racing-{w}-{i}"));
                created["data"]!["k"] = "changed";
                await UpdateAsync(created);
            }
        })));
        await watching.WaitAsync(stop.Token);
        var versions = events.Select(e => long.Parse(e.ResourceVersion, System.Globalization.CultureInfo.InvariantCulture)).ToList();
        Assert.Equal(versions.Order(), versions);
        Assert.Equal(writers * each * 2, versions.Distinct().Count());
        Assert.Equal(writers * each, events.Count(e => e.Type == "ADDED"));
    }
}
