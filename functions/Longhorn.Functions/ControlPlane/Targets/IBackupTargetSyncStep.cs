using Longhorn.Engine;
using Longhorn.Functions.Resources;

namespace Longhorn.Functions.ControlPlane.Targets;

/// <summary>More of a target's sync that lives in a layer above Targets (system backups): run after the backup volumes, and on an emptied URL.</summary>
public interface IBackupTargetSyncStep
{
    /// <summary>Makes this step's resources match the store of an available target.</summary>
    Task SyncAsync(BackupTarget target, BackupStore backupStore, CancellationToken cancellationToken);

    /// <summary>The target's URL was unset: delete this step's resources, never touching the store.</summary>
    Task ClearAsync(BackupTarget target, CancellationToken cancellationToken);
}
