using Longhorn.Engine.Store.S3;

namespace Longhorn.Engine.Tests.S3;

/// <summary>Proxy selection follows Go's httpproxy rules, as Longhorn's S3 client does.</summary>
public sealed class S3ProxyTests
{
    private static readonly S3Proxy Proxy = new(new Uri("http://proxy:3128"), new Uri("http://secure-proxy:3129"),
        "internal.example, .corp.example, 10.0.0.0/8, 192.168.1.5, minio:9000");

    [Theory]
    [InlineData("http://s3.amazonaws.com/bkt", "http://proxy:3128/")]
    [InlineData("https://s3.amazonaws.com/bkt", "http://secure-proxy:3129/")]
    [InlineData("http://internal.example/x", null)]
    [InlineData("http://a.internal.example/x", null)]
    [InlineData("http://b.corp.example/x", null)]
    [InlineData("http://corp.example/x", null)]
    [InlineData("http://10.1.2.3/x", null)]
    [InlineData("http://192.168.1.5/x", null)]
    [InlineData("http://192.168.1.6/x", "http://proxy:3128/")]
    [InlineData("http://minio:9000/x", null)]
    [InlineData("http://minio:9001/x", "http://proxy:3128/")]
    [InlineData("http://localhost:9000/x", null)]
    [InlineData("http://127.0.0.1:9000/x", null)]
    public void Requests_go_through_the_scheme_proxy_unless_no_proxy_or_loopback(string url, string? proxy) =>
        Assert.Equal(proxy, Proxy.GetProxy(new Uri(url))?.ToString());

    [Fact]
    public void A_star_in_no_proxy_bypasses_everything_and_no_proxy_set_means_none() =>
        Assert.True(new S3Proxy(new Uri("http://proxy:3128"), null, "*").IsBypassed(new Uri("http://s3.amazonaws.com/")) &&
                    new S3Proxy(null, null, "").IsBypassed(new Uri("https://s3.amazonaws.com/")));
}
