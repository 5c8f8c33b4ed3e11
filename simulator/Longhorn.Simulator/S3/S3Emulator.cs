using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Longhorn.Simulator.S3;

/// <summary>
/// A MinIO-compatible S3 server on Kestrel, in-process or standalone (<c>Longhorn.Simulator s3</c>): SigV4, path-style
/// and virtual-hosted addressing, objects persisted in a data directory, and injectable faults. Stop and start it
/// again to emulate an outage; it comes back on the same port with the same objects.
/// </summary>
public sealed class S3Emulator : IAsyncDisposable
{
    private readonly S3EmulatorOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly ObjectStore _store;
    private readonly S3RequestHandler _handler;
    private WebApplication? _app;
    private int _port;

    public S3Emulator(S3EmulatorOptions options, ILogger? logger = null, TimeProvider? time = null)
    {
        _options = options;
        _time = time ?? TimeProvider.System;
        _logger = logger ?? NullLogger.Instance;
        _port = options.Port;
        Directory.CreateDirectory(options.DataDirectory);
        _store = new ObjectStore(options.DataDirectory, _time);
        Faults = new S3FaultInjector(options.Faults, _time, _logger);
        _handler = new S3RequestHandler(options, _store, Faults, _time, _logger);
    }

    /// <summary>The bound endpoint, e.g. http://127.0.0.1:41234 (known once started).</summary>
    public Uri Url => new($"{(_options.Certificate is null ? "http" : "https")}://{_options.Host}:{_port}");

    public bool IsRunning => _app is not null;

    /// <summary>The faults in force; change them at any time (or through POST /_admin/faults).</summary>
    public S3FaultInjector Faults { get; }

    public S3EmulatorOptions Options => _options;

    /// <summary>S3 requests received since start (the admin endpoint's not counted).</summary>
    public long Requests => _handler.Requests;

    /// <summary>The requests received in order, when <see cref="S3EmulatorOptions.RecordCalls"/> is set (empty otherwise).</summary>
    public IReadOnlyList<S3CallRecord> Calls => _handler.Calls;

    public async Task StartAsync(CancellationToken cancellationToken = default)
    {
        if (_app is not null) return;
        foreach (var bucket in _options.Buckets.Where(b => !_store.BucketExists(b))) _store.CreateBucket(bucket);

        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { Args = [] });
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            kestrel.AddServerHeader = false;
            kestrel.Limits.MaxRequestBodySize = null; // objects up to S3's 5 GiB stream to disk
            kestrel.Limits.MinRequestBodyDataRate = null; // bandwidth faults may be slower than Kestrel's floor
            kestrel.Limits.MinResponseDataRate = null;
            kestrel.Listen(IPAddress.Parse(_options.Host), _port, listen =>
            {
                if (_options.Certificate is { } certificate) listen.UseHttps(certificate);
            });
        });
        var app = builder.Build();
        app.Run(_handler.HandleAsync);
        await app.StartAsync(cancellationToken).ConfigureAwait(false);
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        _port = new Uri(address).Port;
        _app = app;
        _logger.LogInformation("S3 emulator listening on {Url} with data in {DataDirectory}", Url, _options.DataDirectory);
    }

    /// <summary>Stops listening; open connections are cut. The data directory stays.</summary>
    public async Task StopAsync(CancellationToken cancellationToken = default)
    {
        var app = _app;
        if (app is null) return;
        _app = null;
        using var grace = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        grace.CancelAfter(TimeSpan.FromSeconds(1));
        await app.StopAsync(grace.Token).ConfigureAwait(false);
        await app.DisposeAsync().ConfigureAwait(false);
    }

    public async ValueTask DisposeAsync() => await StopAsync().ConfigureAwait(false);
}
