using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Longhorn.Engine.Store.S3;

namespace Longhorn.Engine.Tests.S3;

/// <summary>The credential secret's S3 keys are read with Longhorn's rules and bad values are refused naming the target.</summary>
public sealed class S3SettingsTests
{
    private const string Target = "s3://bkt@us-east-1/path/";

    private static S3Settings Parse(params (string Key, string Value)[] extra)
    {
        var credentials = new Dictionary<string, string> { [S3Settings.AccessKeyIdKey] = "ak", [S3Settings.SecretAccessKeyKey] = "sk" };
        foreach (var (key, value) in extra) credentials[key] = value;
        return S3Settings.Parse(Target, credentials);
    }

    [Theory]
    [InlineData(null, null, true)]
    [InlineData(null, "http://minio:9000", false)]
    [InlineData("true", "http://minio:9000", true)]
    [InlineData("false", null, false)]
    [InlineData("yes", null, true)]
    public void Virtual_hosted_style_follows_longhorns_default_rule(string? setting, string? endpoint, bool virtualHosted)
    {
        var extra = new List<(string, string)>();
        if (setting is not null) extra.Add((S3Settings.VirtualHostedStyleKey, setting));
        if (endpoint is not null) extra.Add((S3Settings.EndpointsKey, endpoint));
        Assert.Equal(virtualHosted, Parse([.. extra]).VirtualHostedStyle);
    }

    [Fact]
    public void Accept_encoding_signing_is_off_when_asked_or_for_google_cloud_storage()
    {
        Assert.True(Parse().SignAcceptEncoding);
        Assert.False(Parse((S3Settings.SignAcceptEncodingKey, "false")).SignAcceptEncoding);
        Assert.False(Parse((S3Settings.EndpointsKey, "https://storage.googleapis.com")).SignAcceptEncoding);
    }

    [Fact]
    public void An_iam_role_stands_in_for_keys()
    {
        var settings = S3Settings.Parse(Target, new Dictionary<string, string> { [S3Settings.IamRoleArnKey] = "arn:aws:iam::1:role/lh" });
        Assert.Null(settings.AccessKeyId);
        Assert.Equal("arn:aws:iam::1:role/lh", settings.IamRoleArn);
    }

    [Theory]
    [InlineData(S3Settings.EndpointsKey, "minio:9000", "AWS_ENDPOINTS 'minio:9000' is not an http:// or https:// URL")]
    [InlineData(S3Settings.HttpsProxyKey, "ftp://proxy", "HTTPS_PROXY 'ftp://proxy' is not an http:// or https:// URL")]
    [InlineData(S3Settings.CertKey, "not a pem", "AWS_CERT holds no PEM certificate")]
    [InlineData(S3Settings.EndpointsKey, "http://minio:9000\n", "AWS_ENDPOINTS has leading or trailing whitespace")]
    public void Bad_values_are_refused_naming_the_key_and_the_target(string key, string value, string expected)
    {
        var e = Assert.Throws<BackupStoreArgumentException>(() => Parse((key, value)));
        Assert.Contains(expected, e.Message);
        Assert.Contains(Target, e.Message);
    }

    [Fact]
    public void A_pem_bundle_in_aws_cert_is_loaded()
    {
        using var key = ECDsa.Create();
        using var ca = new CertificateRequest("CN=Longhorn Test CA", key, HashAlgorithmName.SHA256)
            .CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(1));
        var settings = Parse((S3Settings.CertKey, ca.ExportCertificatePem()));
        Assert.Equal(ca.Thumbprint, Assert.Single(settings.ExtraCertificates).Thumbprint);
    }
}
