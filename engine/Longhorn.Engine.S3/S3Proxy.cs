using System.Net;

namespace Longhorn.Engine.Store.S3;

/// <summary>
/// HTTP_PROXY / HTTPS_PROXY / NO_PROXY from the target's secret with the rules of Go's httpproxy package: the proxy
/// of the request's scheme, never for localhost or loopback, and NO_PROXY entries as hosts, domains, IPs or CIDRs.
/// </summary>
internal sealed class S3Proxy : IWebProxy
{
    private readonly Uri? _http;
    private readonly Uri? _https;
    private readonly string[] _noProxy;

    public S3Proxy(Uri? httpProxy, Uri? httpsProxy, string noProxy)
    {
        _http = httpProxy;
        _https = httpsProxy;
        _noProxy = noProxy.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(e => e.ToLowerInvariant()).ToArray();
    }

    public ICredentials? Credentials { get; set; }

    public Uri? GetProxy(Uri destination) => IsBypassed(destination) ? null : ProxyFor(destination);

    public bool IsBypassed(Uri host)
    {
        if (ProxyFor(host) is null) return true;
        var name = host.IdnHost.ToLowerInvariant();
        if (name == "localhost") return true;
        var ip = IPAddress.TryParse(name, out var parsed) ? parsed : null;
        if (ip is not null && IPAddress.IsLoopback(ip)) return true;
        foreach (var entry in _noProxy)
        {
            if (entry == "*") return true;
            if (entry.Contains('/') && ip is not null && IPNetwork.TryParse(entry, out var network))
            {
                if (network.Contains(ip)) return true;
                continue;
            }
            var (entryHost, entryPort) = SplitPort(entry);
            if (entryPort is not null && entryPort != host.Port) continue;
            if (ip is not null && IPAddress.TryParse(entryHost, out var entryIp))
            {
                if (entryIp.Equals(ip)) return true;
                continue;
            }
            var domain = entryHost.TrimStart('*').TrimStart('.');
            if (name == domain || name.EndsWith("." + domain, StringComparison.Ordinal)) return true;
        }
        return false;
    }

    private Uri? ProxyFor(Uri destination) => destination.Scheme == Uri.UriSchemeHttps ? _https : _http;

    private static (string Host, int? Port) SplitPort(string entry)
    {
        var colon = entry.LastIndexOf(':');
        if (colon > 0 && !entry.Contains(']', StringComparison.Ordinal) && entry.Count(c => c == ':') == 1
            && int.TryParse(entry[(colon + 1)..], out var port))
            return (entry[..colon], port);
        return (entry.Trim('[', ']'), null);
    }
}
