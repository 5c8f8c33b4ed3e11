using System.Net;
using System.Net.Sockets;
using System.Security.Authentication;
using Amazon.Runtime;
using Microsoft.Extensions.Logging;
using Polly;
using Polly.Retry;

namespace Longhorn.Engine.Store.S3;

/// <summary>
/// Retries of S3 requests with exponential backoff and jitter (Polly): 5xx, 503 SlowDown, throttling, request
/// timeouts and broken connections are retried, other 4xx answers are not. Each retry is logged with its key.
/// </summary>
internal sealed class S3RetryPolicy
{
    private static readonly ResiliencePropertyKey<string> KeyProperty = new("s3.key");
    private static readonly ResiliencePropertyKey<string> OperationProperty = new("s3.operation");

    private static readonly HashSet<string> RetriedCodes = new(StringComparer.Ordinal)
    {
        "SlowDown", "Throttling", "ThrottlingException", "ThrottledException", "RequestThrottled", "RequestLimitExceeded",
        "TooManyRequests", "RequestTimeout", "RequestTimeoutException", "InternalError", "ServiceUnavailable",
    };

    private readonly ResiliencePipeline _reads;
    private readonly ResiliencePipeline _writes;

    public S3RetryPolicy(S3DriverOptions options, TimeProvider time, ILogger logger, string target)
    {
        _reads = Build(options.MaxRetryAttempts, options, time, logger, target);
        _writes = Build(options.WriteMaxRetryAttempts, options, time, logger, target);
    }

    /// <summary>Runs one S3 request, retrying it while it fails transiently.</summary>
    public async ValueTask<T> RunAsync<T>(bool write, string operation, string key, Func<CancellationToken, Task<T>> request,
        CancellationToken cancellationToken)
    {
        var context = ResilienceContextPool.Shared.Get(operation, cancellationToken);
        context.Properties.Set(KeyProperty, key);
        context.Properties.Set(OperationProperty, operation);
        try
        {
            return await (write ? _writes : _reads).ExecuteAsync(
                static async (ctx, state) => await state(ctx.CancellationToken).ConfigureAwait(false), context, request).ConfigureAwait(false);
        }
        finally
        {
            ResilienceContextPool.Shared.Return(context);
        }
    }

    /// <summary>Whether a failed request may succeed when sent again.</summary>
    public static bool IsTransient(Exception exception, CancellationToken callerToken)
    {
        for (var e = exception; e is not null; e = e.InnerException)
        {
            switch (e)
            {
                case AmazonServiceException { StatusCode: HttpStatusCode.NotImplemented }:
                    return false;
                case AmazonServiceException service when (int)service.StatusCode >= 400:
                    return (int)service.StatusCode >= 500 || (int)service.StatusCode == 429 || RetriedCodes.Contains(service.ErrorCode ?? "");
                case AuthenticationException:
                    return false; // a TLS trust failure does not heal by itself
                case OperationCanceledException:
                    return !callerToken.IsCancellationRequested; // the request timeout, not the caller
                case TimeoutException or SocketException or IOException:
                    return true;
                case HttpRequestException when e.InnerException is null:
                    return true;
            }
        }
        return false;
    }

    private static ResiliencePipeline Build(int attempts, S3DriverOptions options, TimeProvider time, ILogger logger, string target) =>
        attempts <= 0 ? ResiliencePipeline.Empty : new ResiliencePipelineBuilder { TimeProvider = time }
            .AddRetry(new RetryStrategyOptions
            {
                MaxRetryAttempts = attempts,
                ShouldHandle = args => ValueTask.FromResult(
                    args.Outcome.Exception is { } e && IsTransient(e, args.Context.CancellationToken)),
                BackoffType = DelayBackoffType.Exponential,
                UseJitter = true,
                Delay = options.RetryBaseDelay,
                MaxDelay = options.RetryMaxDelay,
                OnRetry = args =>
                {
                    args.Context.Properties.TryGetValue(KeyProperty, out var key);
                    args.Context.Properties.TryGetValue(OperationProperty, out var operation);
                    logger.LogWarning("Retrying S3 {Operation} of {Key} on backup target {Target} in {Delay} (retry {Attempt}): {Reason}",
                        operation, key, target, args.RetryDelay, args.AttemptNumber + 1, Describe(args.Outcome.Exception));
                    return ValueTask.CompletedTask;
                },
            })
            .Build();

    /// <summary>The most specific message of an exception chain (e.g. "Connection refused (127.0.0.1:9000)").</summary>
    public static string Describe(Exception? exception)
    {
        if (exception is null) return "";
        if (exception is AmazonServiceException { StatusCode: var status } service && (int)status >= 400)
            return $"{(int)status} {service.ErrorCode}: {service.Message}";
        var inner = exception;
        while (inner.InnerException is not null && inner is not AmazonServiceException { StatusCode: > 0 }) inner = inner.InnerException;
        return inner == exception ? exception.Message : $"{exception.Message} ({inner.Message})";
    }
}
