using Longhorn.Simulator.S3;

namespace Longhorn.Engine.Tests.Support;

/// <summary>The simulator's S3 emulator, in-process on a free port with its default keys and bucket, for a test class.</summary>
public sealed class EmulatorServer : IAsyncLifetime
{
    private readonly TempDirectory _data = new();

    public EmulatorServer() => Emulator = new S3Emulator(new S3EmulatorOptions { DataDirectory = _data.Combine("s3") });

    public S3Emulator Emulator { get; }

    public S3TestTarget Target => new(Emulator.Url, S3EmulatorOptions.DefaultBucket, S3EmulatorOptions.DefaultAccessKey, S3EmulatorOptions.DefaultSecretKey);

    public Task InitializeAsync() => Emulator.StartAsync();

    public async Task DisposeAsync()
    {
        await Emulator.DisposeAsync();
        _data.Dispose();
    }
}
