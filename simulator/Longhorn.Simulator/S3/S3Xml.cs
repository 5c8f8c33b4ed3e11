using System.Globalization;
using System.Text;
using System.Xml;
using System.Xml.Linq;
using Microsoft.AspNetCore.Http;

namespace Longhorn.Simulator.S3;

/// <summary>S3's XML documents, in and out (namespace http://s3.amazonaws.com/doc/2006-03-01/).</summary>
public static class S3Xml
{
    public static readonly XNamespace Ns = "http://s3.amazonaws.com/doc/2006-03-01/";
    private const long MaxRequestDocument = 2 * 1024 * 1024;

    public static XElement Element(string name, params object?[] content) => new(Ns + name, content);

    public static string Time(DateTimeOffset time) => time.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture);

    public static string Quoted(string etag) => "\"" + etag + "\"";

    /// <summary>Writes a document as the response with the given status.</summary>
    public static async Task WriteAsync(HttpResponse response, int status, XElement root)
    {
        var bytes = Encoding.UTF8.GetBytes("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n" + root.ToString(SaveOptions.DisableFormatting));
        response.StatusCode = status;
        response.ContentType = "application/xml";
        response.ContentLength = bytes.Length;
        await response.Body.WriteAsync(bytes, response.HttpContext.RequestAborted).ConfigureAwait(false);
    }

    /// <summary>S3's error document; HEAD answers carry only the status.</summary>
    public static Task WriteErrorAsync(HttpResponse response, S3Error error, string resource, string requestId)
    {
        response.Headers["x-amz-error-code"] = error.Code;
        if (HttpMethods.IsHead(response.HttpContext.Request.Method))
        {
            response.StatusCode = error.Status;
            return Task.CompletedTask;
        }
        return WriteAsync(response, error.Status, new XElement("Error",
            new XElement("Code", error.Code), new XElement("Message", error.Message),
            new XElement("Resource", resource), new XElement("RequestId", requestId)));
    }

    /// <summary>Reads a small XML request document (DeleteObjects, CompleteMultipartUpload) from a verified body.</summary>
    public static async Task<XElement> ReadAsync(Stream body, CancellationToken cancellationToken)
    {
        using var buffer = new MemoryStream();
        var chunk = new byte[16 * 1024];
        int n;
        while ((n = await body.ReadAsync(chunk, cancellationToken).ConfigureAwait(false)) > 0)
        {
            if (buffer.Length + n > MaxRequestDocument) throw S3Error.MalformedXml();
            buffer.Write(chunk, 0, n);
        }
        try
        {
            buffer.Position = 0;
            return XElement.Load(buffer);
        }
        catch (XmlException)
        {
            throw S3Error.MalformedXml();
        }
    }

    /// <summary>Child elements by local name, whether or not the client used S3's namespace.</summary>
    public static IEnumerable<XElement> Children(XElement element, string localName) =>
        element.Elements().Where(e => e.Name.LocalName == localName);

    public static string? Child(XElement element, string localName) => Children(element, localName).FirstOrDefault()?.Value;
}
