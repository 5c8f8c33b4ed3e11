using System.Net.Security;
using System.Security.Cryptography.X509Certificates;
using Amazon.Runtime;

namespace Longhorn.Engine.Store.S3;

/// <summary>
/// The HTTP client of one S3 driver (Longhorn's http/client.go:GetClient): the secret's proxies, the system CA pool
/// plus AWS_CERT, and no response decompression, so no Accept-Encoding header is ever sent or signed.
/// </summary>
internal sealed class S3HttpClientFactory : HttpClientFactory, IDisposable
{
    private readonly HttpClient _client;

    public S3HttpClientFactory(S3Settings settings, TimeSpan requestTimeout)
    {
        var handler = new SocketsHttpHandler
        {
            AutomaticDecompression = System.Net.DecompressionMethods.None,
            ConnectTimeout = TimeSpan.FromSeconds(10),
            PooledConnectionIdleTimeout = TimeSpan.FromSeconds(30),
            UseProxy = settings.HttpProxy is not null || settings.HttpsProxy is not null,
            Proxy = new S3Proxy(settings.HttpProxy, settings.HttpsProxy, settings.NoProxy),
        };
        if (settings.ExtraCertificates.Count > 0)
        {
            var extra = settings.ExtraCertificates;
            handler.SslOptions.RemoteCertificateValidationCallback = (_, certificate, chain, errors) =>
                errors == SslPolicyErrors.None || (errors == SslPolicyErrors.RemoteCertificateChainErrors
                                                   && certificate is not null && TrustedByExtraRoots(certificate, chain, extra));
        }
        _client = new HttpClient(handler) { Timeout = requestTimeout };
    }

    public override HttpClient CreateHttpClient(IClientConfig clientConfig) => _client;

    // One client per driver, owned here: the SDK's cache is keyed by config values that do not include the proxy or CAs.
    public override bool UseSDKHttpClientCaching(IClientConfig clientConfig) => false;

    public override bool DisposeHttpClientsAfterUse(IClientConfig clientConfig) => false;

    public void Dispose() => _client.Dispose();

    private static bool TrustedByExtraRoots(X509Certificate certificate, X509Chain? presented, X509Certificate2Collection extra)
    {
        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        chain.ChainPolicy.CustomTrustStore.AddRange(extra);
        if (presented is not null)
            foreach (var element in presented.ChainElements) chain.ChainPolicy.ExtraStore.Add(element.Certificate);
        return chain.Build(certificate as X509Certificate2 ?? new X509Certificate2(certificate));
    }
}
