using Longhorn.Engine;
using Longhorn.Functions.ControlPlane;
using Longhorn.Functions.Resources;
using Longhorn.Simulator.Replicas;

namespace Longhorn.Functions.Tests.ControlPlane;

/// <summary>The one rule for expected failures: each layer's own exception and a refusing disk; framework exceptions are bugs.</summary>
public sealed class ExpectedFailureTests
{
    public static TheoryData<Exception> Expected() =>
    [
        ControlPlaneException.Conflict("name", "busy"),
        new BackupStoreException("store"),
        new BackupStoreLockException("locked"),
        new ReplicaException("no such snapshot"),
        new ResourceNotFoundException("Volume", "v"),
        new ResourceConflictException("stale"),
        new IOException("disk full"),
        new UnauthorizedAccessException("read-only"),
    ];

    public static TheoryData<Exception> Bugs() =>
    [
        new InvalidOperationException("Sequence contains no elements"),
        new NullReferenceException(),
        new ArgumentException("bad"),
        new KeyNotFoundException(),
        new FormatException(),
        new InternalErrorException("earlier bug"),
    ];

    [Theory]
    [MemberData(nameof(Expected))]
    public void Each_layers_own_failure_is_expected(Exception error) => Assert.True(ExpectedFailure.Is(error));

    [Theory]
    [MemberData(nameof(Bugs))]
    public void Anything_else_is_a_bug(Exception error) => Assert.False(ExpectedFailure.Is(error));
}
