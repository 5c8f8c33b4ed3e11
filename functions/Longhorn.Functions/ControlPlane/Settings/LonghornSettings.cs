using System.Globalization;
using Longhorn.Functions.Resources;

namespace Longhorn.Functions.ControlPlane.Settings;

/// <summary>Reads and writes Longhorn settings, stored as Setting resources; an unset one has its default.</summary>
public sealed class LonghornSettings(IResourceStore store)
{
    public async Task<string> GetAsync(string name, CancellationToken cancellationToken)
    {
        var definition = SettingDefinitions.Find(name) ?? throw new ArgumentException($"unknown setting {name}", nameof(name));
        var setting = await store.GetAsync<Setting>(name, cancellationToken).ConfigureAwait(false);
        return setting?.Value ?? definition.Default;
    }

    public async Task<int> GetIntAsync(string name, CancellationToken cancellationToken) =>
        int.Parse(await GetAsync(name, cancellationToken).ConfigureAwait(false), CultureInfo.InvariantCulture);

    public async Task<bool> GetBoolAsync(string name, CancellationToken cancellationToken) =>
        await GetAsync(name, cancellationToken).ConfigureAwait(false) == "true";

    public async Task<IReadOnlyList<Setting>> ListAsync(CancellationToken cancellationToken)
    {
        var stored = (await store.ListAsync<Setting>(null, cancellationToken).ConfigureAwait(false)).ToDictionary(s => s.Name);
        return SettingDefinitions.All
            .Select(d => stored.GetValueOrDefault(d.Name) ?? new Setting { Metadata = new ObjectMeta { Name = d.Name }, Value = d.Default })
            .ToList();
    }

    /// <summary>Stores every setting not stored yet with its default, as Longhorn's manager does at start, so each one is a resource to get and edit.</summary>
    public async Task EnsureAllAsync(CancellationToken cancellationToken)
    {
        foreach (var definition in SettingDefinitions.All)
        {
            if (await store.GetAsync<Setting>(definition.Name, cancellationToken).ConfigureAwait(false) is not null) continue;
            try
            {
                await store.CreateAsync(new Setting { Metadata = new ObjectMeta { Name = definition.Name }, Value = definition.Default }, cancellationToken)
                    .ConfigureAwait(false);
            }
            catch (ResourceConflictException)
            {
                // Another host sharing the data directory stored it first.
            }
        }
    }

    /// <summary>Puts a setting's default back (deleting a Setting resource does this: Longhorn recreates a missing setting).</summary>
    public async Task ResetAsync(string name, CancellationToken cancellationToken)
    {
        var definition = SettingDefinitions.Find(name) ?? throw ControlPlaneException.NotFound("name", $"setting {name} does not exist");
        await store.DeleteAsync<Setting>(name, cancellationToken).ConfigureAwait(false);
        await SetAsync(name, definition.Default, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Validates and stores a value; 404 for an unknown setting, 400 naming <c>value</c> for a bad one.</summary>
    public async Task<Setting> SetAsync(string name, string value, CancellationToken cancellationToken)
    {
        var definition = SettingDefinitions.Find(name) ?? throw ControlPlaneException.NotFound("name", $"setting {name} does not exist");
        if (definition.Validate(value) is { } error) throw ControlPlaneException.Invalid("value", error);
        var updated = await store.MutateAsync<Setting>(name, s => s with { Value = value }, cancellationToken).ConfigureAwait(false);
        if (updated is not null) return updated;
        try
        {
            return await store.CreateAsync(new Setting { Metadata = new ObjectMeta { Name = name }, Value = value }, cancellationToken)
                .ConfigureAwait(false);
        }
        catch (ResourceConflictException)
        {
            return await SetAsync(name, value, cancellationToken).ConfigureAwait(false);
        }
    }
}
