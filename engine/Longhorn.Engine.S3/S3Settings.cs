using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Longhorn.Engine.Store.S3;

/// <summary>
/// The S3 settings of a backup target's credential secret (Longhorn's setupS3Credential keys), validated: keys,
/// endpoint, extra CA bundle, addressing style, proxies and whether Accept-Encoding is signed.
/// </summary>
internal sealed record S3Settings
{
    public const string AccessKeyIdKey = "AWS_ACCESS_KEY_ID";
    public const string SecretAccessKeyKey = "AWS_SECRET_ACCESS_KEY";
    public const string EndpointsKey = "AWS_ENDPOINTS";
    public const string CertKey = "AWS_CERT";
    public const string IamRoleArnKey = "AWS_IAM_ROLE_ARN";
    public const string VirtualHostedStyleKey = "VIRTUAL_HOSTED_STYLE";
    public const string SignAcceptEncodingKey = "AWS_SIGN_ACCEPT_ENCODING";
    public const string HttpProxyKey = "HTTP_PROXY";
    public const string HttpsProxyKey = "HTTPS_PROXY";
    public const string NoProxyKey = "NO_PROXY";

    public string? AccessKeyId { get; init; }
    public string? SecretAccessKey { get; init; }

    /// <summary>Set when the secret names an IAM role instead of keys; the SDK's default credential chain is used then.</summary>
    public string? IamRoleArn { get; init; }

    /// <summary>A custom endpoint (MinIO, another S3-compatible store); null for AWS.</summary>
    public Uri? Endpoint { get; init; }

    /// <summary>CA certificates trusted in addition to the system's.</summary>
    public X509Certificate2Collection ExtraCertificates { get; init; } = [];

    public bool VirtualHostedStyle { get; init; }

    /// <summary>False removes Accept-Encoding from the signed headers (needed by Google Cloud Storage).</summary>
    public bool SignAcceptEncoding { get; init; } = true;

    public Uri? HttpProxy { get; init; }
    public Uri? HttpsProxy { get; init; }
    public string NoProxy { get; init; } = "";

    /// <summary>Reads and checks the secret's values; every error names the target.</summary>
    public static S3Settings Parse(string target, IReadOnlyDictionary<string, string> credentials)
    {
        string? Value(string key)
        {
            if (!credentials.TryGetValue(key, out var value) || value.Length == 0) return null;
            if (value != value.Trim())
                throw new BackupStoreArgumentException(
                    $"invalid credentials for backup target {target}: {key} has leading or trailing whitespace");
            return value;
        }

        var accessKey = Value(AccessKeyIdKey);
        var secretKey = Value(SecretAccessKeyKey);
        var role = Value(IamRoleArnKey);
        if ((accessKey is null) != (secretKey is null))
        {
            var (set, missing) = accessKey is null ? (SecretAccessKeyKey, AccessKeyIdKey) : (AccessKeyIdKey, SecretAccessKeyKey);
            throw new BackupStoreArgumentException(
                $"invalid credentials for backup target {target}: {set} is set but {missing} is missing; set both or neither");
        }
        if (accessKey is null && role is null)
            throw new BackupStoreArgumentException(
                $"missing credentials for backup target {target}: the credential secret needs {AccessKeyIdKey} and {SecretAccessKeyKey} (or {IamRoleArnKey})");

        var endpoint = HttpUrl(target, EndpointsKey, Value(EndpointsKey));
        var virtualHosted = Value(VirtualHostedStyleKey) switch
        {
            "true" => true,
            "false" => false,
            // Longhorn's default: path-style for a custom endpoint (MinIO), virtual-hosted for AWS.
            _ => endpoint is null,
        };
        var signAcceptEncoding = Value(SignAcceptEncodingKey) != "false"
                                 && endpoint?.Host.Contains("storage.googleapis.com", StringComparison.OrdinalIgnoreCase) != true;

        return new S3Settings
        {
            AccessKeyId = accessKey,
            SecretAccessKey = secretKey,
            IamRoleArn = role,
            Endpoint = endpoint,
            ExtraCertificates = Certificates(target, Value(CertKey)),
            VirtualHostedStyle = virtualHosted,
            SignAcceptEncoding = signAcceptEncoding,
            HttpProxy = HttpUrl(target, HttpProxyKey, Value(HttpProxyKey)),
            HttpsProxy = HttpUrl(target, HttpsProxyKey, Value(HttpsProxyKey)),
            NoProxy = Value(NoProxyKey) ?? "",
        };
    }

    private static Uri? HttpUrl(string target, string key, string? value)
    {
        if (value is null) return null;
        if (!Uri.TryCreate(value, UriKind.Absolute, out var url) || url.Scheme is not ("http" or "https") || url.Host.Length == 0)
            throw new BackupStoreArgumentException(
                $"invalid credentials for backup target {target}: {key} '{value}' is not an http:// or https:// URL");
        return url;
    }

    private static X509Certificate2Collection Certificates(string target, string? pem)
    {
        var certificates = new X509Certificate2Collection();
        if (pem is null) return certificates;
        try
        {
            certificates.ImportFromPem(pem);
        }
        catch (CryptographicException e)
        {
            throw new BackupStoreArgumentException($"invalid credentials for backup target {target}: {CertKey} is not a PEM bundle: {e.Message}");
        }
        if (certificates.Count == 0)
            throw new BackupStoreArgumentException($"invalid credentials for backup target {target}: {CertKey} holds no PEM certificate");
        return certificates;
    }
}
