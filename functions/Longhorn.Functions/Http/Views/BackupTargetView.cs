using Longhorn.Functions.Resources;

namespace Longhorn.Functions.Http.Views;

/// <summary>A backup target as the API shows it; pollInterval in seconds.</summary>
public sealed record BackupTargetView(
    string Name, string BackupTargetURL, string CredentialSecret, long PollInterval, bool Available, string Message,
    DateTimeOffset? LastSyncedAt, DateTimeOffset? SyncRequestedAt, string ResourceVersion)
{
    public static BackupTargetView From(BackupTarget t) => new(
        t.Name, t.Spec.BackupTargetURL, t.Spec.CredentialSecret, t.Spec.PollInterval, t.Status.Available,
        t.Status.Conditions.FirstOrDefault(c => c.Type == "Unavailable")?.Message ?? "", t.Status.LastSyncedAt, t.Spec.SyncRequestedAt,
        t.Metadata.ResourceVersion);
}
