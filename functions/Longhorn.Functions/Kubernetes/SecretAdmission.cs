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
        item["type"] ??= "Opaque";
        return Task.CompletedTask;
    }

    private static bool IsBase64(string text)
    {
        Span<byte> buffer = new byte[text.Length];
        return Convert.TryFromBase64String(text, buffer, out _);
    }
}
