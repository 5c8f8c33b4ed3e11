using Longhorn.CrashProbe;
using Longhorn.Engine;
using Longhorn.Engine.Backups;
using Longhorn.Engine.Locks;
using Longhorn.Engine.Store;

// Usage:
//   backup <store dir> <volume> <snapshot> [--kill-at lock|placeholder|block:N|cfg] [--gate <file>] [--settle-ms N] [--workers N]
//   delete <store dir> <volume> <backup> [--settle-ms N]
// Prints the outcome on one line; exit 0 on success, 3 when a lock is refused, 1 on any other error.
var command = args[0];
var driver = (IBackupStoreDriver)new BackupStoreDrivers().Create("vfs://" + Path.GetFullPath(args[1]));
var volume = args[2];
string? Option(string name) => args.SkipWhile(a => a != name).Skip(1).FirstOrDefault();
if (Option("--kill-at") is { } killAt) driver = new KillingDriver(driver, killAt);
var options = new BackupStoreOptions
{
    Locks = new LockOptions { SettleTime = TimeSpan.FromMilliseconds(int.Parse(Option("--settle-ms") ?? "2000")) },
    BackupConcurrency = int.Parse(Option("--workers") ?? "1"),
};
var store = new BackupStore(driver, options);
try
{
    switch (command)
    {
        case "backup":
            var result = await store.CreateBackupAsync(new BackupRequest { VolumeName = volume, SnapshotName = args[3] }, new ProbeVolume(Option("--gate")));
            Console.WriteLine($"backup {result.BackupName}");
            break;
        case "delete":
            var deleted = await store.DeleteBackupAsync(volume, args[3]);
            Console.WriteLine($"deleted {args[3]}; gc skipped: {deleted.GarbageCollectionSkipped ?? "no"}");
            break;
        default:
            Console.Error.WriteLine($"unknown command {command}");
            return 2;
    }
    return 0;
}
catch (BackupStoreLockException e)
{
    Console.WriteLine($"lock refused: {e.Message}");
    return 3;
}
catch (BackupStoreException e)
{
    Console.WriteLine($"error: {e.Message}");
    return 1;
}
