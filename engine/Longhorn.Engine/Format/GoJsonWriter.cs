using System.Globalization;
using System.Text;

namespace Longhorn.Engine.Format;

/// <summary>
/// Writes compact JSON byte-identical to Go's encoding/json: fields in the order written, map keys sorted,
/// and Go's string escaping (&lt; &gt; &amp; U+2028 U+2029 as \u escapes, other non-ASCII raw).
/// </summary>
internal sealed class GoJsonWriter
{
    private readonly StringBuilder _text = new();
    private bool _needComma;

    public GoJsonWriter BeginObject() { Separate(); _text.Append('{'); _needComma = false; return this; }

    public GoJsonWriter EndObject() { _text.Append('}'); _needComma = true; return this; }

    public GoJsonWriter BeginArray() { Separate(); _text.Append('['); _needComma = false; return this; }

    public GoJsonWriter EndArray() { _text.Append(']'); _needComma = true; return this; }

    public GoJsonWriter Name(string name)
    {
        Separate();
        AppendQuoted(_text, name);
        _text.Append(':');
        _needComma = false;
        return this;
    }

    public GoJsonWriter String(string value) { Separate(); AppendQuoted(_text, value); _needComma = true; return this; }

    /// <summary>A Go int64 with the <c>,string</c> tag: decimal digits inside a JSON string.</summary>
    public GoJsonWriter QuotedInt64(long value) => String(value.ToString(CultureInfo.InvariantCulture));

    /// <summary>A Go string with the <c>,string</c> tag: the JSON encoding of the string, itself encoded as a string.</summary>
    public GoJsonWriter DoubleEncodedString(string value)
    {
        var inner = new StringBuilder();
        AppendQuoted(inner, value);
        return String(inner.ToString());
    }

    public GoJsonWriter Number(long value) { Separate(); _text.Append(value.ToString(CultureInfo.InvariantCulture)); _needComma = true; return this; }

    public GoJsonWriter Bool(bool value) { Separate(); _text.Append(value ? "true" : "false"); _needComma = true; return this; }

    public GoJsonWriter Null() { Separate(); _text.Append("null"); _needComma = true; return this; }

    /// <summary>A Go map[string]string: <c>null</c> when absent (nil), else keys in UTF-8 byte order.</summary>
    public GoJsonWriter StringMap(IReadOnlyDictionary<string, string>? map)
    {
        if (map is null) return Null();
        BeginObject();
        foreach (var key in map.Keys.OrderBy(k => k, Utf8Order.Instance))
            Name(key).String(map[key]);
        return EndObject();
    }

    public byte[] ToUtf8() => Encoding.UTF8.GetBytes(_text.ToString());

    /// <summary>The bytes json.Encoder.Encode writes: the value and a newline.</summary>
    public byte[] ToUtf8Line() => Encoding.UTF8.GetBytes(_text.Append('\n').ToString());

    public override string ToString() => _text.ToString();

    private void Separate()
    {
        if (_needComma) _text.Append(',');
    }

    private static void AppendQuoted(StringBuilder sb, string value)
    {
        sb.Append('"');
        for (var i = 0; i < value.Length; i++)
        {
            var c = value[i];
            switch (c)
            {
                case '"': sb.Append("\\\""); break;
                case '\\': sb.Append("\\\\"); break;
                case '\n': sb.Append("\\n"); break;
                case '\r': sb.Append("\\r"); break;
                case '\t': sb.Append("\\t"); break;
                case '\b': sb.Append("\\b"); break;
                case '\f': sb.Append("\\f"); break;
                case '<' or '>' or '&' or '\u2028' or '\u2029':
                    sb.Append("\\u").Append(((int)c).ToString("x4", CultureInfo.InvariantCulture));
                    break;
                default:
                    if (c < 0x20) sb.Append("\\u").Append(((int)c).ToString("x4", CultureInfo.InvariantCulture));
                    else if (char.IsHighSurrogate(c) && i + 1 < value.Length && char.IsLowSurrogate(value[i + 1])) sb.Append(c).Append(value[++i]);
                    else if (char.IsSurrogate(c)) sb.Append("\\ufffd"); // Go replaces invalid UTF-8 the same way
                    else sb.Append(c);
                    break;
            }
        }
        sb.Append('"');
    }

    /// <summary>Go sorts map keys by their bytes; for UTF-16 strings that differs from ordinal order above U+D7FF.</summary>
    private sealed class Utf8Order : IComparer<string>
    {
        public static readonly Utf8Order Instance = new();

        public int Compare(string? x, string? y) =>
            Encoding.UTF8.GetBytes(x ?? "").AsSpan().SequenceCompareTo(Encoding.UTF8.GetBytes(y ?? ""));
    }
}
