using System.Globalization;
using System.Runtime.InteropServices;
using Microsoft.Extensions.Logging;

namespace Longhorn.Simulator.S3;

/// <summary><c>Longhorn.Simulator s3</c>: runs the S3 emulator until Ctrl+C or SIGTERM.</summary>
public static class S3Command
{
    private const string Usage = """
        usage: Longhorn.Simulator s3 --data-dir DIR [options]
          --data-dir DIR          where buckets and objects are kept (required)
          --port N                port to listen on (default 9000; 0 picks a free one)
          --host ADDR             address to listen on (default 127.0.0.1)
          --access-key KEY        access key (default longhorn-test-access-key)
          --secret-key SECRET     secret key (default longhorn-test-secret-key)
          --bucket NAME           bucket to create at start (repeatable; default backupbucket)
          --domain NAME           virtual-hosted style for <bucket>.NAME (default localhost)
          --region NAME           region reported to clients (default us-east-1)
          --latency-ms N          faults: latency added to each request
          --error-rate R          faults: share of requests answered 500 InternalError (0-1)
          --slowdown-rate R       faults: share of requests answered 503 SlowDown (0-1)
          --drop-rate R           faults: share of connections aborted without an answer (0-1)
          --bandwidth BYTES       faults: bytes per second for all transfers together
          --seed N                faults: seed of the random fault decisions (default 1)
          --admin-token TOKEN     token for /_admin/faults (default: a random one, printed at start)
          --admin-from-anywhere   take /_admin requests from other machines too (default: loopback only)
        Faults can also be read and set while running: GET / POST /_admin/faults with Authorization: Bearer TOKEN and JSON such as
          {"latencyMs":50,"internalErrorRate":0,"slowDownRate":0.1,"dropRate":0,"bandwidthBytesPerSecond":0,"seed":1}
        """;

    public static async Task<int> RunAsync(string[] args, TextWriter output, TextWriter error)
    {
        S3EmulatorOptions options;
        try
        {
            options = Parse(args);
        }
        catch (ArgumentException e)
        {
            await error.WriteLineAsync(e.Message).ConfigureAwait(false);
            await error.WriteLineAsync(Usage).ConfigureAwait(false);
            return 2;
        }
        if (options.DataDirectory.Length == 0)
        {
            await output.WriteLineAsync(Usage).ConfigureAwait(false);
            return 0;
        }

        using var loggers = LoggerFactory.Create(b => b.AddSimpleConsole(o => o.SingleLine = true));
        await using var emulator = new S3Emulator(options, loggers.CreateLogger("s3"));
        using var stop = new CancellationTokenSource();
        using var sigint = PosixSignalRegistration.Create(PosixSignal.SIGINT, c => { c.Cancel = true; stop.Cancel(); });
        using var sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, c => { c.Cancel = true; stop.Cancel(); });
        await emulator.StartAsync(stop.Token).ConfigureAwait(false);
        await output.WriteLineAsync($"S3 emulator listening on {emulator.Url} (buckets: {string.Join(", ", options.Buckets)}; " +
                                    $"data: {options.DataDirectory}); Ctrl+C stops it").ConfigureAwait(false);
        await output.WriteLineAsync($"Admin token for {emulator.Url}_admin/faults: {options.AdminToken}").ConfigureAwait(false);
        try
        {
            await Task.Delay(Timeout.Infinite, stop.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            // stopping
        }
        await emulator.StopAsync(CancellationToken.None).ConfigureAwait(false);
        return 0;
    }

    /// <summary>Parses the command line; an empty data directory means help was asked for.</summary>
    public static S3EmulatorOptions Parse(string[] args)
    {
        var values = new Dictionary<string, List<string>>(StringComparer.Ordinal);
        var adminFromAnywhere = false;
        for (var i = 0; i < args.Length; i++)
        {
            if (args[i] is "-h" or "--help") return new S3EmulatorOptions { DataDirectory = "" };
            if (args[i] == "--admin-from-anywhere")
            {
                adminFromAnywhere = true;
                continue;
            }
            if (!args[i].StartsWith("--", StringComparison.Ordinal) || i + 1 >= args.Length)
                throw new ArgumentException($"unexpected argument '{args[i]}'");
            var name = args[i][2..];
            if (!values.TryGetValue(name, out var list)) values[name] = list = [];
            list.Add(args[++i]);
        }
        string? One(string name) => values.Remove(name, out var list) ? list[^1] : null;
        T Number<T>(string name, T fallback) where T : IParsable<T> =>
            One(name) is { } text
                ? T.TryParse(text, CultureInfo.InvariantCulture, out var value) ? value : throw new ArgumentException($"--{name} '{text}' is not a number")
                : fallback;

        var dataDirectory = One("data-dir") ?? throw new ArgumentException("--data-dir is required");
        var accessKey = One("access-key") ?? S3EmulatorOptions.DefaultAccessKey;
        var secretKey = One("secret-key") ?? S3EmulatorOptions.DefaultSecretKey;
        var buckets = values.Remove("bucket", out var named) ? named : [S3EmulatorOptions.DefaultBucket];
        var options = new S3EmulatorOptions
        {
            DataDirectory = Path.GetFullPath(dataDirectory),
            Port = Number("port", 9000),
            Host = One("host") ?? "127.0.0.1",
            Credentials = new Dictionary<string, string> { [accessKey] = secretKey },
            Buckets = buckets,
            Domain = One("domain") ?? "localhost",
            Region = One("region") ?? "us-east-1",
            AdminFromAnywhere = adminFromAnywhere,
            Faults = new S3Faults
            {
                LatencyMs = Number("latency-ms", 0),
                InternalErrorRate = Number("error-rate", 0.0),
                SlowDownRate = Number("slowdown-rate", 0.0),
                DropRate = Number("drop-rate", 0.0),
                BandwidthBytesPerSecond = Number("bandwidth", 0L),
                Seed = Number("seed", 1),
            }.Validated(),
        };
        if (One("admin-token") is { } token) options = options with { AdminToken = token };
        if (values.Count > 0) throw new ArgumentException($"unknown option --{values.Keys.First()}");
        return options;
    }
}
