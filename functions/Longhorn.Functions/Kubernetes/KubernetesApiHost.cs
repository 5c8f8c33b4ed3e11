using Longhorn.Functions.ControlPlane;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text.Json.Nodes;
using Longhorn.Functions.Cluster;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.Options;

namespace Longhorn.Functions.Kubernetes;

/// <summary>
/// Serves the Kubernetes API over HTTPS on its own loopback port (default: the function port + 1; <c>--k8s-port</c>; 0
/// picks a free one) under <c>/k8s</c>, with a bearer token; writes <c>&lt;data dir&gt;/kubeconfig</c> for kubectl.
/// </summary>
public sealed class KubernetesApiHost(KubernetesApi api, ObjectStore objects, IOptions<LonghornOptions> options, IConfiguration configuration,
    TimeProvider time, ILogger<KubernetesApiHost> logger) : IHostedService, IAsyncDisposable
{
    public const string PortKey = "Host:KubernetesPort";

    /// <summary>The function port's setting (host.json's neighbour, local.settings.json <c>Host.LocalHttpPort</c>, <c>--port</c>) and its default.</summary>
    public const string FunctionPortKey = "Host:LocalHttpPort";
    public const int DefaultFunctionPort = 7071;
    private WebApplication? _app;

    /// <summary>The API's base URL once started, e.g. https://127.0.0.1:7072/k8s.</summary>
    public string Url { get; private set; } = "";

    public string KubeconfigPath => Path.Combine(options.Value.FullDataDir, "kubeconfig");

    public ApiServerCredentials? Credentials { get; private set; }

    public static int PortFrom(IConfiguration configuration)
    {
        if (configuration[PortKey] is { Length: > 0 } text) return int.Parse(text, CultureInfo.InvariantCulture);
        return configuration.GetValue(FunctionPortKey, DefaultFunctionPort) + 1;
    }

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        var port = PortFrom(configuration);
        var credentials = ApiServerCredentials.LoadOrCreate(Path.Combine(options.Value.FullDataDir, "k8s"), time);
        Credentials = credentials;
        await EnsureNamespacesAsync(cancellationToken);

        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            kestrel.Listen(IPAddress.Loopback, port, listen =>
            {
                listen.Protocols = HttpProtocols.Http1AndHttp2;
                listen.UseHttps(credentials.ServerCertificate);
            });
        });
        var app = builder.Build();
        app.Run(context => HandleAsync(context, credentials.Token));
        try
        {
            await app.StartAsync(cancellationToken);
        }
        catch (IOException e) when (e.InnerException is SocketException { SocketErrorCode: SocketError.AddressAlreadyInUse } || e.Message.Contains("address already in use", StringComparison.OrdinalIgnoreCase))
        {
            await app.DisposeAsync();
            throw new IOException($"the Kubernetes API port {port} is in use on 127.0.0.1; choose another with --k8s-port N (or Host__KubernetesPort)", e);
        }
        _app = app;
        var bound = new Uri(app.Urls.First()).Port;
        Url = $"https://127.0.0.1:{bound}{KubernetesApi.PathPrefix}";
        ApiServerCredentials.WritePrivate(KubeconfigPath, credentials.Kubeconfig(Url));
        logger.LogInformation("Kubernetes API on {Url}; kubeconfig {Kubeconfig}", Url, KubeconfigPath);
    }

    private async Task HandleAsync(HttpContext context, string token)
    {
        if (!(context.Request.Path.StartsWithSegments(KubernetesApi.PathPrefix)))
        {
            context.Response.StatusCode = 404;
            return;
        }
        var authorization = context.Request.Headers.Authorization.ToString();
        if (!System.Security.Cryptography.CryptographicOperations.FixedTimeEquals(
                System.Text.Encoding.UTF8.GetBytes(authorization), System.Text.Encoding.UTF8.GetBytes("Bearer " + token)))
        {
            context.Response.StatusCode = 401;
            context.Response.ContentType = "application/json";
            await context.Response.WriteAsync(ApiStatusException.Status("Failure", "Unauthorized", "Unauthorized", 401).ToJsonString());
            return;
        }
        var host = context.Request.Host.Value ?? "127.0.0.1";
        await api.HandleAsync(context, host);
    }

    /// <summary>The namespaces every cluster has, and Longhorn's.</summary>
    private async Task EnsureNamespacesAsync(CancellationToken cancellationToken)
    {
        foreach (var name in new[] { "default", "kube-system", "kube-public", "longhorn-system" })
        {
            if (await objects.GetAsync(ApiKinds.Namespace, "", name, cancellationToken) is { } existing)
            {
                // Namespaces written by other parts of the host (a Longhorn install's objects) are Active too.
                if (existing["status"]?["phase"] is null)
                {
                    existing["status"] = new JsonObject { ["phase"] = "Active" };
                    await objects.UpdateAsync(ApiKinds.Namespace, existing, cancellationToken);
                }
                continue;
            }
            try
            {
                await objects.CreateAsync(ApiKinds.Namespace, new JsonObject
                {
                    ["metadata"] = new JsonObject { ["name"] = name, ["labels"] = new JsonObject { ["kubernetes.io/metadata.name"] = name } },
                    ["spec"] = new JsonObject { ["finalizers"] = new JsonArray("kubernetes") },
                    ["status"] = new JsonObject { ["phase"] = "Active" },
                }, cancellationToken);
            }
            catch (ObjectStoreException e) when (e.Reason == "AlreadyExists")
            {
            }
        }
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        if (_app is not null) await _app.StopAsync(cancellationToken);
    }

    public async ValueTask DisposeAsync()
    {
        if (_app is not null) await _app.DisposeAsync();
    }
}
