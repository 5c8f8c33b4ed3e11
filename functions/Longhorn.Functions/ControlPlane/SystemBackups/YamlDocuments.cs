using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace Longhorn.Functions.ControlPlane.SystemBackups;

/// <summary>JSON objects as YAML documents and back, keeping types: strings that would read as other scalars are quoted.</summary>
public static partial class YamlDocuments
{
    public static string Write(JsonNode node)
    {
        var stream = new YamlStream(new YamlDocument(ToYaml(node)));
        using var writer = new StringWriter(CultureInfo.InvariantCulture);
        stream.Save(writer, assignAnchors: false);
        var text = writer.ToString();
        // YamlStream ends each document with "...": one document per file needs no end marker.
        return text.EndsWith("...\n", StringComparison.Ordinal) ? text[..^4] : text;
    }

    /// <summary>The first document of the text as JSON; null when empty. Throws <see cref="InvalidDataException"/> on malformed YAML.</summary>
    public static JsonNode? Read(string text)
    {
        var stream = new YamlStream();
        try
        {
            stream.Load(new StringReader(text));
        }
        catch (YamlException e)
        {
            throw new InvalidDataException($"malformed YAML: {e.Message}", e);
        }
        return stream.Documents.Count == 0 ? null : ToJson(stream.Documents[0].RootNode);
    }

    private static YamlNode ToYaml(JsonNode? node) => node switch
    {
        null => new YamlScalarNode("null") { Style = ScalarStyle.Plain },
        JsonObject o => new YamlMappingNode(o.Select(p => new KeyValuePair<YamlNode, YamlNode>(new YamlScalarNode(p.Key), ToYaml(p.Value)))),
        JsonArray a => new YamlSequenceNode(a.Select(ToYaml)),
        JsonValue v => v.GetValueKind() switch
        {
            JsonValueKind.String => String((string)v!),
            JsonValueKind.True => new YamlScalarNode("true") { Style = ScalarStyle.Plain },
            JsonValueKind.False => new YamlScalarNode("false") { Style = ScalarStyle.Plain },
            JsonValueKind.Null => new YamlScalarNode("null") { Style = ScalarStyle.Plain },
            _ => new YamlScalarNode(v.ToJsonString()) { Style = ScalarStyle.Plain },
        },
        _ => throw new InvalidOperationException($"unexpected JSON node {node.GetType().Name}"),
    };

    /// <summary>
    /// Plain only when no YAML 1.1 or 1.2 reader (go-yaml under sigs.k8s.io/yaml, YamlDotNet) could take it for anything
    /// but a string: a letter, underscore or slash first, then name characters, and not a boolean or null word.
    /// </summary>
    private static YamlScalarNode String(string value)
    {
        var plain = SafePlain().IsMatch(value) && !AmbiguousWord().IsMatch(value);
        return new YamlScalarNode(value) { Style = plain ? ScalarStyle.Plain : ScalarStyle.DoubleQuoted };
    }

    [System.Text.RegularExpressions.GeneratedRegex("^[A-Za-z_/][A-Za-z0-9_./-]*$")]
    private static partial System.Text.RegularExpressions.Regex SafePlain();

    [System.Text.RegularExpressions.GeneratedRegex("^(y|n|yes|no|on|off|true|false|null)$", System.Text.RegularExpressions.RegexOptions.IgnoreCase)]
    private static partial System.Text.RegularExpressions.Regex AmbiguousWord();

    private static JsonNode? ToJson(YamlNode node) => node switch
    {
        YamlMappingNode m => new JsonObject(m.Children.Select(p => new KeyValuePair<string, JsonNode?>(((YamlScalarNode)p.Key).Value ?? "", ToJson(p.Value)))),
        YamlSequenceNode s => new JsonArray(s.Children.Select(ToJson).ToArray()),
        YamlScalarNode scalar => Scalar(scalar),
        _ => throw new InvalidDataException($"unsupported YAML node {node.NodeType}"),
    };

    private static JsonNode? Scalar(YamlScalarNode scalar)
    {
        var value = scalar.Value ?? "";
        if (scalar.Style != ScalarStyle.Plain) return JsonValue.Create(value);
        return PlainType(value) switch
        {
            JsonValueKind.Null => null,
            JsonValueKind.True => JsonValue.Create(true),
            JsonValueKind.False => JsonValue.Create(false),
            JsonValueKind.Number when long.TryParse(value, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var n) => JsonValue.Create(n),
            JsonValueKind.Number when double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out var d) => JsonValue.Create(d),
            _ => JsonValue.Create(value),
        };
    }

    /// <summary>What a plain scalar resolves to under YAML 1.2's core schema (as Kubernetes' YAML reader resolves it).</summary>
    private static JsonValueKind PlainType(string value)
    {
        if (value is "" or "~" or "null" or "Null" or "NULL") return JsonValueKind.Null;
        if (value is "true" or "True" or "TRUE") return JsonValueKind.True;
        if (value is "false" or "False" or "FALSE") return JsonValueKind.False;
        if (long.TryParse(value, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out _)
            || double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out _)
            || value.StartsWith("0x", StringComparison.Ordinal) || value.StartsWith("0o", StringComparison.Ordinal)
            || value is ".inf" or "-.inf" or ".nan" or ".Inf" or ".NaN")
            return JsonValueKind.Number;
        return JsonValueKind.String;
    }
}
