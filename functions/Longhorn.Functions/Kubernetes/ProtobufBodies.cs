using System.Text;
using System.Text.Json.Nodes;
using Longhorn.Functions.Cluster;

namespace Longhorn.Functions.Kubernetes;

/// <summary>
/// The Kubernetes protobuf encoding (<c>application/vnd.kubernetes.protobuf</c>) of the objects kubectl's imperative
/// commands create with it: <c>kubectl create secret|configmap|namespace|serviceaccount</c>. A body is the magic
/// <c>k8s\0</c> and a <c>runtime.Unknown</c> (typeMeta 1, raw 2) whose raw bytes are the object's message (field
/// numbers of k8s.io/api's generated.proto); it becomes the JSON object the rest of the API handles.
/// </summary>
public static class ProtobufBodies
{
    public const string MediaType = "application/vnd.kubernetes.protobuf";
    private static readonly byte[] Magic = "k8s\0"u8.ToArray();

    /// <summary>The object as JSON; a Status 415 for a kind this encoding is not read for, 400 for a body that is not one.</summary>
    public static JsonObject Decode(ReadOnlySpan<byte> body, ApiKind kind)
    {
        if (!body.StartsWith(Magic)) throw ApiStatusException.BadRequest("the protobuf body does not start with the k8s\\0 envelope");
        try
        {
            var unknown = Fields(body[Magic.Length..]);
            var typeMeta = Fields(Bytes(unknown, 1));
            var item = new JsonObject
            {
                ["apiVersion"] = Text(typeMeta, 1) ?? kind.ApiVersion,
                ["kind"] = Text(typeMeta, 2) ?? kind.Kind,
            };
            var message = Fields(Bytes(unknown, 2));
            if (Has(message, 1)) item["metadata"] = Metadata(Fields(Bytes(message, 1)));
            if (kind == ApiKinds.Secret)
            {
                if (Map(message, 2, base64: true) is { } data) item["data"] = data;
                if (Text(message, 3) is { } type) item["type"] = type;
                if (Map(message, 4, base64: false) is { } plain) item["stringData"] = plain;
                if (Varint(message, 5) is { } immutable) item["immutable"] = immutable != 0;
            }
            else if (kind == ApiKinds.ConfigMap)
            {
                if (Map(message, 2, base64: false) is { } data) item["data"] = data;
                if (Map(message, 3, base64: true) is { } binary) item["binaryData"] = binary;
                if (Varint(message, 4) is { } immutable) item["immutable"] = immutable != 0;
            }
            else if (kind == ApiKinds.ServiceAccount)
            {
                if (Varint(message, 4) is { } automount) item["automountServiceAccountToken"] = automount != 0;
            }
            else if (kind != ApiKinds.Namespace)
                throw ApiStatusException.UnsupportedMediaType(MediaType + $"; {kind.Kind} is read as JSON or YAML only");
            return item;
        }
        catch (FormatException e)
        {
            throw ApiStatusException.BadRequest($"the protobuf body is malformed: {e.Message}");
        }
    }

    private static JsonObject Metadata(List<Field> meta)
    {
        var metadata = new JsonObject();
        foreach (var (field, name) in new[] { (1, "name"), (2, "generateName"), (3, "namespace"), (6, "resourceVersion"), (5, "uid") })
        {
            if (Text(meta, field) is { Length: > 0 } value) metadata[name] = value;
        }
        if (Map(meta, 11, base64: false) is { } labels) metadata["labels"] = labels;
        if (Map(meta, 12, base64: false) is { } annotations) metadata["annotations"] = annotations;
        var finalizers = meta.Where(f => f.Number == 14).Select(f => (JsonNode?)Encoding.UTF8.GetString(f.Bytes)).ToArray();
        if (finalizers.Length > 0) metadata["finalizers"] = new JsonArray(finalizers);
        return metadata;
    }

    private static JsonObject? Map(List<Field> message, int field, bool base64)
    {
        var entries = message.Where(f => f.Number == field).ToList();
        if (entries.Count == 0) return null;
        var map = new JsonObject();
        foreach (var entry in entries)
        {
            var pair = Fields(entry.Bytes);
            var key = Text(pair, 1) ?? "";
            var value = Bytes(pair, 2);
            map[key] = base64 ? Convert.ToBase64String(value) : Encoding.UTF8.GetString(value);
        }
        return map;
    }

    private static bool Has(List<Field> message, int field) => message.Any(f => f.Number == field);

    private static byte[] Bytes(List<Field> message, int field) =>
        message.LastOrDefault(f => f.Number == field && f.Wire == 2).Bytes ?? [];

    private static string? Text(List<Field> message, int field) =>
        message.Any(f => f.Number == field && f.Wire == 2) ? Encoding.UTF8.GetString(Bytes(message, field)) : null;

    private static ulong? Varint(List<Field> message, int field) =>
        message.Any(f => f.Number == field && f.Wire == 0) ? message.Last(f => f.Number == field && f.Wire == 0).Value : null;

    /// <summary>A message's fields in order: varints (wire 0) with their value, length-delimited ones (wire 2) with their bytes.</summary>
    private static List<Field> Fields(ReadOnlySpan<byte> data)
    {
        var fields = new List<Field>();
        var at = 0;
        while (at < data.Length)
        {
            var key = ReadVarint(data, ref at);
            var field = (int)(key >> 3);
            var wire = (int)(key & 7);
            switch (wire)
            {
                case 0:
                    fields.Add(new Field(field, wire, ReadVarint(data, ref at), []));
                    break;
                case 1:
                    at += 8;
                    break;
                case 2:
                    var length = ReadVarint(data, ref at);
                    if (length > (ulong)(data.Length - at)) throw new FormatException($"field {field} runs past the end of the message");
                    fields.Add(new Field(field, wire, length, data.Slice(at, (int)length).ToArray()));
                    at += (int)length;
                    break;
                case 5:
                    at += 4;
                    break;
                default:
                    throw new FormatException($"field {field} has wire type {wire}, which no Kubernetes message uses");
            }
            if (at > data.Length) throw new FormatException($"field {field} runs past the end of the message");
        }
        return fields;
    }

    /// <summary>One field of a message: its number, wire type, varint value (or length) and, for wire type 2, its bytes.</summary>
    private readonly record struct Field(int Number, int Wire, ulong Value, byte[] Bytes);

    private static ulong ReadVarint(ReadOnlySpan<byte> data, ref int at)
    {
        ulong value = 0;
        for (var shift = 0; shift < 64; shift += 7)
        {
            if (at >= data.Length) throw new FormatException("a varint runs past the end of the message");
            var b = data[at++];
            value |= (ulong)(b & 0x7f) << shift;
            if ((b & 0x80) == 0) return value;
        }
        throw new FormatException("a varint is longer than 10 bytes");
    }
}
