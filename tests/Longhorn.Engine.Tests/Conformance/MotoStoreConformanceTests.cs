using Longhorn.Engine.Store;
using Longhorn.Engine.Tests.Support;

namespace Longhorn.Engine.Tests.Conformance;

/// <summary>The conformance suite on a real moto_server through the S3 driver.</summary>
[RequiresTool(MotoServer.Tool)]
public sealed class MotoStoreConformanceTests(MotoServer moto) : StoreConformanceTests, IClassFixture<MotoServer>
{
    protected override Task<IBackupStoreDriver> CreateDriverAsync() =>
        (moto.Target ?? throw new InvalidOperationException(ExternalTool.MissingMessage(MotoServer.Tool))).CreateDriverAsync();
}
