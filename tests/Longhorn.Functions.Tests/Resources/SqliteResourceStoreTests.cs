using Longhorn.Functions.Cluster;
using System.Text.Json;
using Longhorn.Functions.Hosting;
using Longhorn.Functions.Resources;
using Longhorn.Functions.Tests.Support;

namespace Longhorn.Functions.Tests.Resources;

/// <summary>The embedded store's Kubernetes object rules: names, resourceVersions, finalizers, label selectors, read-modify-write.</summary>
public sealed class SqliteResourceStoreTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("lh-store-").FullName;
    private readonly ManualClock _clock = new(new DateTimeOffset(2026, 11, 30, 12, 0, 0, TimeSpan.Zero));
    private readonly SqliteResourceStore _store;

    public SqliteResourceStoreTests() => _store = new SqliteResourceStore(Path.Combine(_directory, "db", "resources.db"), _clock);

    public void Dispose() => FunctionHost.TryDelete(_directory);

    [Fact]
    public async Task Create_assigns_uid_version_creation_time_and_namespace_and_refuses_a_taken_name()
    {
        var created = await _store.CreateAsync(Setting("a", "1"), CancellationToken.None);

        Assert.NotEqual("", created.Metadata.Uid);
        Assert.NotEqual("", created.Metadata.ResourceVersion);
        Assert.Equal(_clock.GetUtcNow(), created.Metadata.CreationTimestamp);
        Assert.Equal(ObjectMeta.LonghornNamespace, created.Metadata.Namespace);
        AssertSame(created, await _store.GetAsync<Setting>("a", CancellationToken.None));
        await Assert.ThrowsAsync<ResourceConflictException>(() => _store.CreateAsync(Setting("a", "2"), CancellationToken.None));
        Assert.Equal("1", (await _store.GetAsync<Setting>("a", CancellationToken.None))!.Value);
    }

    [Fact]
    public async Task Every_write_of_any_object_gets_a_larger_resource_version()
    {
        var a = await _store.CreateAsync(Setting("a", "1"), CancellationToken.None);
        var b = await _store.CreateAsync(new Secret { Metadata = new ObjectMeta { Name = "b" } }, CancellationToken.None);
        var a2 = await _store.UpdateAsync(a with { Value = "2" }, CancellationToken.None);

        Assert.True(Version(a) < Version(b));
        Assert.True(Version(b) < Version(a2!));
    }

    [Fact]
    public async Task An_update_from_a_stale_read_is_refused_and_changes_nothing()
    {
        var read = await _store.CreateAsync(Setting("a", "1"), CancellationToken.None);
        await _store.UpdateAsync(read with { Value = "2" }, CancellationToken.None);

        await Assert.ThrowsAsync<ResourceConflictException>(() => _store.UpdateAsync(read with { Value = "3" }, CancellationToken.None));
        Assert.Equal("2", (await _store.GetAsync<Setting>("a", CancellationToken.None))!.Value);
    }

    [Fact]
    public async Task An_update_keeps_the_store_owned_metadata_whatever_the_writer_sends()
    {
        var created = await _store.CreateAsync(Setting("a", "1"), CancellationToken.None);
        _clock.Advance(TimeSpan.FromHours(1));
        var updated = await _store.UpdateAsync(created with
        {
            Metadata = created.Metadata with { Uid = "forged", CreationTimestamp = _clock.GetUtcNow(), DeletionTimestamp = _clock.GetUtcNow() },
        }, CancellationToken.None);

        Assert.Equal(created.Metadata.Uid, updated!.Metadata.Uid);
        Assert.Equal(created.Metadata.CreationTimestamp, updated.Metadata.CreationTimestamp);
        Assert.Null(updated.Metadata.DeletionTimestamp);
    }

    [Fact]
    public async Task Deleting_an_object_with_finalizers_marks_it_and_it_goes_with_its_last_finalizer()
    {
        await _store.CreateAsync(Setting("a", "1") with { Metadata = new ObjectMeta { Name = "a", Finalizers = ["one", "two"] } }, CancellationToken.None);
        _clock.Advance(TimeSpan.FromMinutes(5));

        var deleting = await _store.DeleteAsync<Setting>("a", CancellationToken.None);
        Assert.Equal(_clock.GetUtcNow(), deleting!.Metadata.DeletionTimestamp);
        Assert.True(deleting.IsDeleting);
        AssertSame(deleting, await _store.DeleteAsync<Setting>("a", CancellationToken.None));

        Assert.NotNull(await _store.RemoveFinalizerAsync<Setting>("a", "one", CancellationToken.None));
        Assert.NotNull(await _store.GetAsync<Setting>("a", CancellationToken.None));
        Assert.Null(await _store.RemoveFinalizerAsync<Setting>("a", "two", CancellationToken.None));
        Assert.Null(await _store.GetAsync<Setting>("a", CancellationToken.None));
    }

    [Fact]
    public async Task Deleting_an_object_without_finalizers_removes_it_and_a_missing_one_is_not_found()
    {
        await _store.CreateAsync(Setting("a", "1"), CancellationToken.None);

        Assert.Null(await _store.DeleteAsync<Setting>("a", CancellationToken.None));
        Assert.Null(await _store.GetAsync<Setting>("a", CancellationToken.None));
        await Assert.ThrowsAsync<ResourceNotFoundException>(() => _store.DeleteAsync<Setting>("a", CancellationToken.None));
        await Assert.ThrowsAsync<ResourceNotFoundException>(() => _store.UpdateAsync(Setting("a", "2"), CancellationToken.None));
    }

    [Fact]
    public async Task Label_selectors_match_as_Kubernetes_does_and_lists_are_ordered_by_name_within_a_kind()
    {
        await _store.CreateAsync(Labelled("c", ("app", "x"), ("tier", "db")), CancellationToken.None);
        await _store.CreateAsync(Labelled("a", ("app", "x")), CancellationToken.None);
        await _store.CreateAsync(Labelled("b", ("app", "y"), ("tier", "web")), CancellationToken.None);
        await _store.CreateAsync(new Secret { Metadata = new ObjectMeta { Name = "s", Labels = Labels(("app", "x")) } }, CancellationToken.None);

        Assert.Equal(["a", "b", "c"], await NamesAsync(null));
        Assert.Equal(["a", "c"], await NamesAsync(LabelSelector.Of(("app", "x"))));
        Assert.Equal(["c"], await NamesAsync(LabelSelector.Parse("app=x,tier")));
        Assert.Equal(["a"], await NamesAsync(LabelSelector.Parse("app=x,!tier")));
        Assert.Equal(["a", "b"], await NamesAsync(LabelSelector.Parse("tier!=db")));
    }

    [Fact]
    public async Task A_label_removed_by_an_update_no_longer_matches()
    {
        var created = await _store.CreateAsync(Labelled("a", ("app", "x")), CancellationToken.None);
        await _store.UpdateAsync(created.WithMetadata(created.Metadata with { Labels = Labels(("app", "y")) }), CancellationToken.None);

        Assert.Empty(await NamesAsync(LabelSelector.Of(("app", "x"))));
        Assert.Equal(["a"], await NamesAsync(LabelSelector.Of(("app", "y"))));
    }

    [Fact]
    public async Task Concurrent_read_modify_writes_all_land()
    {
        await _store.CreateAsync(Setting("counter", "0"), CancellationToken.None);

        await Task.WhenAll(Enumerable.Range(0, 8).Select(_ => Task.Run(() =>
            _store.MutateAsync<Setting>("counter", s => s with { Value = (int.Parse(s.Value) + 1).ToString() }, CancellationToken.None))));

        Assert.Equal("8", (await _store.GetAsync<Setting>("counter", CancellationToken.None))!.Value);
    }

    [Fact]
    public async Task A_read_modify_write_whose_object_is_deleted_before_its_write_returns_null_and_writes_nothing()
    {
        await _store.CreateAsync(Setting("a", "1"), CancellationToken.None);
        var other = new SqliteResourceStore(Path.Combine(_directory, "db", "resources.db"), _clock);

        // Another writer deletes the object after this one has read it (the change runs between the read and the write).
        var result = await _store.MutateAsync<Setting>("a", s =>
        {
            other.DeleteAsync<Setting>("a", CancellationToken.None).GetAwaiter().GetResult();
            return s with { Value = "2" };
        }, CancellationToken.None);

        Assert.Null(result);
        Assert.Null(await _store.GetAsync<Setting>("a", CancellationToken.None));
    }

    [Fact]
    public async Task Objects_survive_reopening_the_database()
    {
        var created = await _store.CreateAsync(Setting("a", "1"), CancellationToken.None);
        var reopened = new SqliteResourceStore(Path.Combine(_directory, "db", "resources.db"), _clock);

        AssertSame(created, await reopened.GetAsync<Setting>("a", CancellationToken.None));
        var next = await reopened.CreateAsync(Setting("b", "1"), CancellationToken.None);
        Assert.True(Version(next) > Version(created));
    }

    private async Task<IReadOnlyList<string>> NamesAsync(LabelSelector? selector) =>
        (await _store.ListAsync<Setting>(selector, CancellationToken.None)).Select(s => s.Name).ToList();

    [Fact]
    public async Task A_list_parses_only_what_changed_and_sees_every_change_made_under_it_through_the_object_store()
    {
        for (var i = 0; i < 3; i++) await _store.CreateAsync(Setting($"s{i}", "1"), CancellationToken.None);
        var first = await _store.ListAsync<Setting>(null, CancellationToken.None);
        var again = await _store.ListAsync<Setting>(null, CancellationToken.None);
        // Unchanged objects are the instances the first list read, not parsed anew.
        Assert.All(first.Zip(again), pair => Assert.Same(pair.First, pair.Second));

        // Changes made beside the typed store, as the Kubernetes API makes them, show in the next list.
        var kind = SqliteResourceStore.KindOf<Setting>();
        var item = (await _store.Objects.GetAsync(kind, ObjectMeta.LonghornNamespace, "s1", CancellationToken.None))!;
        item["value"] = "changed";
        await _store.Objects.UpdateAsync(kind, item, CancellationToken.None);
        await _store.Objects.DeleteAsync(kind, ObjectMeta.LonghornNamespace, "s2", CancellationToken.None);
        await _store.CreateAsync(Setting("s3", "new"), CancellationToken.None);

        var after = await _store.ListAsync<Setting>(null, CancellationToken.None);
        Assert.Equal(["s0", "s1", "s3"], after.Select(s => s.Name));
        Assert.Same(first[0], after[0]);
        Assert.Equal("changed", after[1].Value);
        Assert.Equal("new", after[2].Value);
        Assert.Equal(["s1"], (await _store.ListAsync<Setting>(LabelSelector.Parse("!missing"), CancellationToken.None))
            .Where(s => s.Value == "changed").Select(s => s.Name));
    }

    [Fact]
    public async Task A_first_list_reads_every_object_and_a_later_one_of_many_reads_only_the_few_that_changed()
    {
        for (var i = 0; i < 20; i++) await _store.CreateAsync(Setting($"s{i:00}", "1"), CancellationToken.None);
        // The first list reads them all in one pass; the next finds 2 of 20 changed and reads just those.
        var first = await _store.ListAsync<Setting>(null, CancellationToken.None);
        Assert.Equal(Enumerable.Range(0, 20).Select(i => $"s{i:00}"), first.Select(s => s.Name));
        Assert.All(first, s => Assert.Equal("1", s.Value));

        var kind = SqliteResourceStore.KindOf<Setting>();
        var item = (await _store.Objects.GetAsync(kind, ObjectMeta.LonghornNamespace, "s07", CancellationToken.None))!;
        item["value"] = "changed";
        await _store.Objects.UpdateAsync(kind, item, CancellationToken.None);
        await _store.Objects.DeleteAsync(kind, ObjectMeta.LonghornNamespace, "s03", CancellationToken.None);
        await _store.CreateAsync(Setting("s20", "new"), CancellationToken.None);

        var after = await _store.ListAsync<Setting>(null, CancellationToken.None);
        Assert.Equal(Enumerable.Range(0, 21).Where(i => i != 3).Select(i => $"s{i:00}"), after.Select(s => s.Name));
        Assert.Equal("changed", after.Single(s => s.Name == "s07").Value);
        Assert.Equal("new", after.Single(s => s.Name == "s20").Value);
        Assert.All(after.Where(s => s.Name is not ("s07" or "s20")), s => Assert.Same(first.Single(f => f.Name == s.Name), s));
    }

    [Fact]
    public async Task A_list_with_nothing_of_its_kind_written_since_is_the_same_answer_and_a_write_by_another_store_on_the_database_is_seen()
    {
        for (var i = 0; i < 3; i++) await _store.CreateAsync(Setting($"s{i}", "1"), CancellationToken.None);
        var first = await _store.ListAsync<Setting>(null, CancellationToken.None);
        // Nothing written since: the list is answered as it stands, not scanned again.
        Assert.Same(first, await _store.ListAsync<Setting>(null, CancellationToken.None));

        // Another process on the same database (a store of its own, with its own memory) changes, removes and adds.
        var other = new SqliteResourceStore(Path.Combine(_directory, "db", "resources.db"), _clock);
        var s1 = (await other.GetAsync<Setting>("s1", CancellationToken.None))!;
        await other.UpdateAsync(s1 with { Value = "changed" }, CancellationToken.None);
        await other.DeleteAsync<Setting>("s2", CancellationToken.None);
        await other.CreateAsync(Setting("s3", "new"), CancellationToken.None);

        var after = await _store.ListAsync<Setting>(null, CancellationToken.None);
        Assert.Equal(["s0", "s1", "s3"], after.Select(s => s.Name));
        Assert.Equal(["1", "changed", "new"], after.Select(s => s.Value));
        Assert.Same(after, await _store.ListAsync<Setting>(null, CancellationToken.None));

        // A write of another kind leaves the list as it stands; the next write of the kind is seen.
        await other.CreateAsync(new Volume { Metadata = new ObjectMeta { Name = "vol1" } }, CancellationToken.None);
        Assert.Same(after, await _store.ListAsync<Setting>(null, CancellationToken.None));
        await other.CreateAsync(Setting("s4", "4"), CancellationToken.None);
        Assert.Equal(["s0", "s1", "s3", "s4"], (await _store.ListAsync<Setting>(null, CancellationToken.None)).Select(s => s.Name));
    }

    [Fact]
    public async Task On_a_database_whose_writes_recorded_no_kind_every_write_makes_the_next_list_read_again()
    {
        for (var i = 0; i < 2; i++) await _store.CreateAsync(Setting($"s{i}", "1"), CancellationToken.None);
        // A host from before the per-kind record wrote this database: it moved only the store-wide counter.
        var database = Path.Combine(_directory, "db", "resources.db");
        Sql(database, "DELETE FROM kind_versions");
        var first = await _store.ListAsync<Setting>(null, CancellationToken.None);
        Assert.Same(first, await _store.ListAsync<Setting>(null, CancellationToken.None));

        Sql(database, """
            UPDATE counter SET version = version + 1 WHERE id = 0;
            UPDATE objects SET version = (SELECT version FROM counter), json = json_set(json, '$.value', 'old host')
                WHERE kind = 'Setting' AND name = 's1';
            """);

        var after = await _store.ListAsync<Setting>(null, CancellationToken.None);
        Assert.Equal(["1", "old host"], after.Select(s => s.Value));
    }

    private static void Sql(string database, string sql)
    {
        using var connection = new Microsoft.Data.Sqlite.SqliteConnection($"Data Source={database};Pooling=False");
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        command.ExecuteNonQuery();
    }

    private static Setting Setting(string name, string value) => new() { Metadata = new ObjectMeta { Name = name }, Value = value };

    private static Setting Labelled(string name, params (string Key, string Value)[] labels) =>
        new() { Metadata = new ObjectMeta { Name = name, Labels = Labels(labels) } };

    private static Dictionary<string, string> Labels(params (string Key, string Value)[] labels) => labels.ToDictionary(l => l.Key, l => l.Value);

    /// <summary>Records holding dictionaries compare by reference; their stored form is what must match.</summary>
    private static void AssertSame<T>(T expected, T? actual) =>
        Assert.Equal(JsonSerializer.Serialize(expected, Json.Options), JsonSerializer.Serialize(actual, Json.Options));

    private static long Version(Resource resource) => long.Parse(resource.Metadata.ResourceVersion);
}
