using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Longhorn.Engine.Store.S3;

/// <summary>Registers the <c>s3</c> scheme on a driver registry; a program that ships S3 targets calls it where it composes its drivers.</summary>
public static class S3Drivers
{
    /// <summary>Adds <c>s3://</c> targets with these retries and timeouts; retries wait on <paramref name="time"/> and are logged to <paramref name="logger"/>.</summary>
    public static BackupStoreDrivers AddS3(this BackupStoreDrivers drivers, S3DriverOptions? options = null, TimeProvider? time = null, ILogger? logger = null)
    {
        options ??= new S3DriverOptions();
        time ??= TimeProvider.System;
        logger ??= NullLogger.Instance;
        drivers.Register("s3", (_, raw, credentials) => new S3Driver(raw, credentials, options, time, logger));
        return drivers;
    }
}
