using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;

namespace Longhorn.Functions.Kubernetes;

/// <summary>
/// What the Kubernetes API needs to be reachable by kubectl: a CA and a serving certificate for 127.0.0.1/localhost, and a
/// bearer token (kubectl sends a token only over TLS). Generated once into <c>&lt;data dir&gt;/k8s/</c>, keys mode 0600.
/// </summary>
public sealed record ApiServerCredentials(X509Certificate2 ServerCertificate, string CaPem, string Token)
{
    private const UnixFileMode Private = UnixFileMode.UserRead | UnixFileMode.UserWrite;

    public static ApiServerCredentials LoadOrCreate(string directory, TimeProvider time)
    {
        Directory.CreateDirectory(directory);
        File.SetUnixFileMode(directory, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        var caCert = Path.Combine(directory, "ca.crt");
        var caKey = Path.Combine(directory, "ca.key");
        var serverCert = Path.Combine(directory, "server.crt");
        var serverKey = Path.Combine(directory, "server.key");
        var tokenFile = Path.Combine(directory, "token");
        if (!File.Exists(caCert) || !File.Exists(caKey) || !File.Exists(serverCert) || !File.Exists(serverKey))
            Generate(caCert, caKey, serverCert, serverKey, time.GetUtcNow());
        if (!File.Exists(tokenFile))
            WritePrivate(tokenFile, Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(32)));
        var certificate = X509Certificate2.CreateFromPemFile(serverCert, serverKey);
        return new ApiServerCredentials(certificate, File.ReadAllText(caCert), File.ReadAllText(tokenFile).Trim());
    }

    /// <summary>The kubeconfig a user exports: the CA as certificate-authority-data, the token, namespace longhorn-system.</summary>
    public string Kubeconfig(string serverUrl)
    {
        var ca = Convert.ToBase64String(Encoding.ASCII.GetBytes(CaPem));
        return $$"""
            apiVersion: v1
            kind: Config
            clusters:
            - name: longhorn-functions
              cluster:
                server: {{serverUrl}}
                certificate-authority-data: {{ca}}
            users:
            - name: longhorn-functions
              user:
                token: {{Token}}
            contexts:
            - name: longhorn-functions
              context:
                cluster: longhorn-functions
                user: longhorn-functions
                namespace: longhorn-system
            current-context: longhorn-functions
            preferences: {}

            """;
    }

    public static void WritePrivate(string path, string text)
    {
        var temporary = path + ".tmp";
        File.Delete(temporary);
        using (var stream = new FileStream(temporary, new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write, UnixCreateMode = Private }))
        using (var writer = new StreamWriter(stream))
        {
            writer.Write(text);
        }
        File.Move(temporary, path, overwrite: true);
    }

    private static void Generate(string caCertPath, string caKeyPath, string serverCertPath, string serverKeyPath, DateTimeOffset now)
    {
        using var caKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var caRequest = new CertificateRequest("CN=longhorn-functions-ca", caKey, HashAlgorithmName.SHA256);
        caRequest.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        caRequest.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, true));
        caRequest.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(caRequest.PublicKey, false));
        using var ca = caRequest.CreateSelfSigned(now.AddMinutes(-5), now.AddYears(10));

        using var serverKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var serverRequest = new CertificateRequest("CN=longhorn-functions-apiserver", serverKey, HashAlgorithmName.SHA256);
        var names = new SubjectAlternativeNameBuilder();
        names.AddIpAddress(IPAddress.Loopback);
        names.AddIpAddress(IPAddress.IPv6Loopback);
        names.AddDnsName("localhost");
        serverRequest.CertificateExtensions.Add(names.Build());
        serverRequest.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, true));
        serverRequest.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature | X509KeyUsageFlags.KeyAgreement, true));
        serverRequest.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.1")], false));
        serverRequest.CertificateExtensions.Add(X509AuthorityKeyIdentifierExtension.CreateFromCertificate(ca, true, false));
        using var server = serverRequest.Create(ca, now.AddMinutes(-5), now.AddYears(10), RandomNumberGenerator.GetBytes(16));

        WritePrivate(caKeyPath, caKey.ExportPkcs8PrivateKeyPem());
        WritePrivate(serverKeyPath, serverKey.ExportPkcs8PrivateKeyPem());
        File.WriteAllText(caCertPath, ca.ExportCertificatePem() + "\n");
        File.WriteAllText(serverCertPath, server.ExportCertificatePem() + "\n");
    }
}
