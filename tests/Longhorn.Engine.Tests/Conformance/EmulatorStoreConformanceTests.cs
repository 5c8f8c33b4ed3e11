using Longhorn.Engine.Store;
using Longhorn.Engine.Tests.Support;

namespace Longhorn.Engine.Tests.Conformance;

/// <summary>The conformance suite on the simulator's S3 emulator through the S3 driver.</summary>
public sealed class EmulatorStoreConformanceTests(EmulatorServer server) : StoreConformanceTests, IClassFixture<EmulatorServer>
{
    protected override Task<IBackupStoreDriver> CreateDriverAsync() => server.Target.CreateDriverAsync();
}
