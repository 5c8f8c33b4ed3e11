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
        var body = await ReadBytesAsync(request, cancellationToken).ConfigureAwait(false);
        if (body.Length == 0) return new T();
        try
        {
            return JsonSerializer.Deserialize<T>(body, Json.Requests)
                   ?? throw ControlPlaneException.Invalid("body", "the request body must be a JSON object, not null");
        }
        catch (JsonException e)
        {
            var field = string.IsNullOrEmpty(e.Path) || e.Path == "$" ? "body" : e.Path.TrimStart('$', '.');
            throw ControlPlaneException.Invalid(field, $"the request body is not valid JSON for this request ({FieldOf(e, field)}): {e.Message}");
        }
    }

    /// <summary>
    /// The body, at most 1 MiB whatever its framing: a declared length over the limit is refused before reading, and a
    /// chunked body is counted as it arrives and refused (413) at the first byte past the limit, never buffered whole.
    /// </summary>
    public static async Task<byte[]> ReadBytesAsync(HttpRequest request, CancellationToken cancellationToken)
    {
        if (request.ContentLength > MaxBodyBytes) throw TooLarge();
        using var buffer = new MemoryStream();
        var chunk = new byte[16 * 1024];
        int read;
        while ((read = await request.Body.ReadAsync(chunk, cancellationToken).ConfigureAwait(false)) > 0)
        {
            if (buffer.Length + read > MaxBodyBytes) throw TooLarge();
            buffer.Write(chunk, 0, read);
        }
        return buffer.ToArray();
    }

    private static ControlPlaneException TooLarge() =>
        new(Problem.TooLarge, $"the request body is larger than {MaxBodyBytes} bytes", "body");

    private static string FieldOf(JsonException e, string field) =>
        e.Message.Contains("could not be mapped", StringComparison.Ordinal) ? "unknown member" : "at " + field;
}
