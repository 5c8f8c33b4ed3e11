using Longhorn.Functions.Resources;
using System.Text.Json;
using Longhorn.Functions.ControlPlane;

namespace Longhorn.Functions.Http;

/// <summary>Reads a JSON request body strictly: not JSON, the wrong shape or an unknown member is a 400 naming the field.</summary>
public static class RequestBody
{
    private const long MaxBodyBytes = 1024 * 1024;

    public static async Task<T> ReadAsync<T>(HttpRequest request, CancellationToken cancellationToken) where T : class, new()
    {
        if (request.ContentLength > MaxBodyBytes)
            throw ControlPlaneException.Invalid("body", $"the request body is larger than {MaxBodyBytes} bytes");
        using var buffer = new MemoryStream();
        await request.Body.CopyToAsync(buffer, cancellationToken).ConfigureAwait(false);
        if (buffer.Length == 0) return new T();
        try
        {
            return JsonSerializer.Deserialize<T>(buffer.ToArray(), Json.Requests)
                   ?? throw ControlPlaneException.Invalid("body", "the request body must be a JSON object, not null");
        }
        catch (JsonException e)
        {
            var field = string.IsNullOrEmpty(e.Path) || e.Path == "$" ? "body" : e.Path.TrimStart('$', '.');
            throw ControlPlaneException.Invalid(field, $"the request body is not valid JSON for this request ({FieldOf(e, field)}): {e.Message}");
        }
    }

    private static string FieldOf(JsonException e, string field) =>
        e.Message.Contains("could not be mapped", StringComparison.Ordinal) ? "unknown member" : "at " + field;
}
