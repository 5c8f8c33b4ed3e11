using System.Text;
using System.Text.Json.Nodes;
using Longhorn.Functions.Cluster;

namespace Longhorn.Functions.Kubernetes;

/// <summary>Secrets as the API server keeps them: <c>stringData</c> merged into <c>data</c> as base64, and <c>data</c> values checked as base64.</summary>
public sealed class SecretAdmission : IAdmission
{
    public Task AdmitAsync(ApiKind kind, JsonObject item, JsonObject? current, CancellationToken cancellationToken)
    {
        if (kind != ApiKinds.Secret) return Task.CompletedTask;
        var data = item["data"] as JsonObject ?? new JsonObject();
        var errors = new List<(string, string)>();
        foreach (var (key, value) in data)
        {
            if ((string?)value is not { } text || !IsBase64(text))
                errors.Add(($"data[{key}]", "Invalid value: illegal base64 data"));
        }
        if (item["stringData"] is JsonObject plain)
        {
            foreach (var (key, value) in plain) data[key] = Convert.ToBase64String(Encoding.UTF8.GetBytes((string?)value ?? ""));
            item.Remove("stringData");
        }
        if (errors.Count > 0) throw ApiStatusException.Invalid(kind, ObjectStore.Meta(item, "name") ?? "", errors);
        item["data"] = data;
        if (string.IsNullOrEmpty((string?)item["type"])) item["type"] = "Opaque";
        return Task.CompletedTask;
    }

    private static bool IsBase64(string text)
    {
        Span<byte> buffer = new byte[text.Length];
        return Convert.TryFromBase64String(text, buffer, out _);
    }
}

/// <summary>A new claim or volume starts <c>Pending</c>/<c>Available</c>, as the API server's defaults make them.</summary>
public sealed class PersistentVolumeDefaults : IAdmission
{
    public Task AdmitAsync(ApiKind kind, JsonObject item, JsonObject? current, CancellationToken cancellationToken)
    {
        var quantity = kind == ApiKinds.PersistentVolumeClaim ? item["spec"]?["resources"]?["requests"]?["storage"]
            : kind == ApiKinds.PersistentVolume ? item["spec"]?["capacity"]?["storage"] : null;
        if (quantity is not null && (quantity.GetValueKind() != System.Text.Json.JsonValueKind.String || Csi.Quantity.ParseBytes((string?)quantity) is null))
            throw ApiStatusException.BadRequest(
                $"{kind.Kind} in version \"v1\" cannot be handled as a {kind.Kind}: quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'");
        if (current is null && kind == ApiKinds.PersistentVolumeClaim) item["status"] ??= new JsonObject { ["phase"] = "Pending" };
        if (current is null && kind == ApiKinds.PersistentVolume) item["status"] ??= new JsonObject { ["phase"] = "Available" };
        return Task.CompletedTask;
    }
}

/// <summary>A new Service gets the API server's defaults: <c>type: ClusterIP</c>, <c>sessionAffinity: None</c> and a cluster IP from the service range.</summary>
public sealed class ServiceDefaults : IAdmission
{
    public Task AdmitAsync(ApiKind kind, JsonObject item, JsonObject? current, CancellationToken cancellationToken)
    {
        if (kind != ApiKinds.Service || item["spec"] is not JsonObject spec) return Task.CompletedTask;
        spec["type"] ??= "ClusterIP";
        spec["sessionAffinity"] ??= "None";
        if ((string?)spec["type"] != "ExternalName" && spec["clusterIP"] is null)
        {
            // No cluster to route to: an address from the service range, stable for the object's name.
            var hash = System.Security.Cryptography.SHA256.HashData(Encoding.UTF8.GetBytes($"{ObjectStore.Meta(item, "namespace")}/{ObjectStore.Meta(item, "name")}"));
            var ip = $"10.43.{hash[0]}.{Math.Max((byte)2, hash[1])}";
            spec["clusterIP"] = current?["spec"]?["clusterIP"]?.DeepClone() ?? ip;
            spec["clusterIPs"] ??= new JsonArray(spec["clusterIP"]!.DeepClone());
        }
        return Task.CompletedTask;
    }
}
