using Longhorn.Engine;
using Longhorn.Functions.Resources;
using Longhorn.Simulator.Replicas;

namespace Longhorn.Functions.ControlPlane;

/// <summary>
/// The one rule for which failures are expected: each layer's own exception (control plane, backup store, replica,
/// resource store) and the machine's disks refusing. Anything else is a bug and must surface as one, with its stack.
/// </summary>
public static class ExpectedFailure
{
    public static bool Is(Exception error) =>
        error is ControlPlaneException or BackupStoreException or ReplicaException or ResourceStoreException
            // A full, read-only or unreadable disk is the environment, not the code.
            or IOException or UnauthorizedAccessException;
}
