using static Longhorn.Functions.Cluster.Schema;

namespace Longhorn.Functions.Cluster;

/// <summary>
/// Every kind the host's cluster serves: Longhorn's (longhorn.io/v1beta2, fields as spec/control-plane.md §1 and
/// Longhorn's CRDs) and the Kubernetes kinds a Longhorn install and its CSI flows use, stored and served faithfully.
/// </summary>
public static class ApiKinds
{
    public const string LonghornGroup = "longhorn.io";
    public const string LonghornVersion = "v1beta2";

    private static readonly PrinterColumn Age = new("Age", "date", ".metadata.creationTimestamp");
    private static readonly Schema Conditions = new ArraySchema(Obj(("type", Str()), ("status", Str()), ("reason", Str()),
        ("message", Str()), ("lastProbeTime", Time), ("lastTransitionTime", Time)));

    public static readonly ApiKind BackupTarget = Longhorn("BackupTarget", "backuptargets", ["lhbt"],
        Obj(("backupTargetURL", Str()), ("credentialSecret", Str()), ("pollInterval", Str()), ("syncRequestedAt", Time)),
        Obj(("ownerID", Str()), ("available", Bool), ("conditions", Conditions), ("lastSyncedAt", Time)),
        [new("URL", "string", ".spec.backupTargetURL"), new("Credential", "string", ".spec.credentialSecret"),
         new("Interval", "string", ".spec.pollInterval"), new("Available", "boolean", ".status.available"),
         new("LastSyncedAt", "string", ".status.lastSyncedAt")]);

    public static readonly ApiKind BackupVolume = Longhorn("BackupVolume", "backupvolumes", ["lhbv"],
        Obj(("backupTargetName", Str()), ("syncRequestedAt", Time), ("volumeName", Str())),
        Obj(("ownerID", Str()), ("lastModificationTime", Time), ("size", Str()), ("labels", StrMap), ("createdAt", Str()),
            ("lastBackupName", Str()), ("lastBackupAt", Str()), ("dataStored", Str()), ("messages", StrMap),
            ("backingImageName", Str()), ("backingImageChecksum", Str()), ("storageClassName", Str()), ("lastSyncedAt", Time)),
        [new("BackupTarget", "string", ".spec.backupTargetName"), new("CreatedAt", "string", ".status.createdAt"),
         new("LastBackupName", "string", ".status.lastBackupName"), new("LastBackupAt", "string", ".status.lastBackupAt"),
         new("LastSyncedAt", "string", ".status.lastSyncedAt")]);

    public static readonly ApiKind Backup = Longhorn("Backup", "backups", ["lhb"],
        Obj(("syncRequestedAt", Time), ("snapshotName", Str()), ("labels", StrMap), ("backupMode", Str("full", "incremental")),
            ("backupBlockSize", Str())),
        Obj(("ownerID", Str()), ("state", Str()), ("progress", Int), ("replicaAddress", Str()), ("error", Str()),
            ("url", Str()), ("snapshotName", Str()), ("snapshotCreatedAt", Str()), ("backupCreatedAt", Str()),
            ("size", Str() with { IntOrString = true }), ("labels", StrMap), ("messages", StrMap), ("volumeName", Str()),
            ("volumeSize", Str() with { IntOrString = true }), ("volumeCreated", Str()), ("volumeBackingImageName", Str()),
            ("lastSyncedAt", Time), ("compressionMethod", Str()), ("newlyUploadDataSize", Str() with { IntOrString = true }),
            ("reUploadedDataSize", Str() with { IntOrString = true }), ("backupTargetName", Str())),
        [new("SnapshotName", "string", ".status.snapshotName"), new("SnapshotSize", "string", ".status.size"),
         new("SnapshotCreatedAt", "string", ".status.snapshotCreatedAt"), new("BackupTarget", "string", ".status.backupTargetName"),
         new("State", "string", ".status.state"), new("LastSyncedAt", "string", ".status.lastSyncedAt")]);

    public static readonly ApiKind Snapshot = Longhorn("Snapshot", "snapshots", ["lhsnap"],
        Obj(("volume", Str()), ("createSnapshot", Bool), ("labels", StrMap)),
        Obj(("parent", Str()), ("children", new MapSchema(Bool)), ("markRemoved", Bool), ("userCreated", Bool),
            ("requestedTime", Str()), ("creationTime", Str()), ("size", Int), ("labels", StrMap), ("ownerID", Str()),
            ("error", Str()), ("restoreSize", Int), ("readyToUse", Bool), ("checksum", Str()), ("checksumCalculatedAt", Str())),
        [new("Volume", "string", ".spec.volume"), new("CreationTime", "string", ".status.creationTime"),
         new("ReadyToUse", "boolean", ".status.readyToUse"), new("RestoreSize", "string", ".status.restoreSize"),
         new("Size", "string", ".status.size"), Age]);

    public static readonly ApiKind Volume = Longhorn("Volume", "volumes", ["lhv"],
        Obj(("size", Str() with { IntOrString = true }), ("fromBackup", Str()), ("restoreVolumeRecurringJob", Str()),
            ("dataSource", Str()), ("Standby", Bool), ("backupCompressionMethod", Str()), ("backupBlockSize", Str() with { IntOrString = true }),
            ("backupTargetName", Str()), ("snapshotMaxCount", Int), ("snapshotMaxSize", Str() with { IntOrString = true }),
            ("freezeFilesystemForSnapshot", Str()), ("numberOfReplicas", Int), ("frontend", Str()), ("accessMode", Str()),
            ("dataLocality", Str()), ("dataEngine", Str()), ("migratable", Bool), ("encrypted", Bool), ("nodeID", Str()),
            ("nodeSelector", StrList), ("diskSelector", StrList), ("staleReplicaTimeout", Int), ("replicaAutoBalance", Str()),
            ("revisionCounterDisabled", Bool), ("unmapMarkSnapChainRemoved", Str()), ("replicaSoftAntiAffinity", Str()),
            ("replicaZoneSoftAntiAffinity", Str()), ("replicaDiskSoftAntiAffinity", Str()), ("backingImage", Str()),
            ("image", Str()), ("disableFrontend", Bool), ("snapshotDataIntegrity", Str()), ("offlineRebuilding", Str()),
            ("storageClassName", Str()), ("labels", StrMap), ("recurringJobSelector", new ArraySchema(Obj(("name", Str()), ("isGroup", Bool))))),
        Obj(("ownerID", Str()), ("state", Str()), ("robustness", Str()), ("lastBackup", Str()), ("lastBackupAt", Str()),
            ("restoreRequired", Bool), ("restoreInitiated", Bool), ("isStandby", Bool), ("isRestoring", Bool),
            ("restoreProgress", Int), ("currentNodeID", Str()), ("actualSize", Int), ("conditions", Conditions),
            ("restoreStatus", Free), ("error", Str())),
        [new("Data Engine", "string", ".spec.dataEngine"), new("State", "string", ".status.state"),
         new("Robustness", "string", ".status.robustness"), new("Size", "string", ".spec.size"), new("Node", "string", ".status.currentNodeID"), Age]);

    public static readonly ApiKind RecurringJob = Longhorn("RecurringJob", "recurringjobs", ["lhrj"],
        Obj(("name", Str()), ("groups", StrList), ("task", Str("snapshot", "snapshot-force-create", "snapshot-cleanup",
                "snapshot-delete", "backup", "backup-force-create", "filesystem-trim", "system-backup")),
            ("cron", Str()), ("retain", Int), ("retainAge", Str()), ("retentionPolicy", Str("count-based", "age-based")),
            ("concurrency", Int), ("labels", StrMap), ("parameters", StrMap)),
        Obj(("ownerID", Str()), ("executionCount", Int)),
        [new("Groups", "string", ".spec.groups"), new("Task", "string", ".spec.task"), new("Cron", "string", ".spec.cron"),
         new("Retain", "integer", ".spec.retain"), new("Concurrency", "integer", ".spec.concurrency"), Age,
         new("Labels", "string", ".spec.labels")]);

    public static readonly ApiKind Setting = new()
    {
        Group = LonghornGroup, Version = LonghornVersion, Kind = "Setting", Plural = "settings", ShortNames = ["lhs"], HasStatus = true,
        Schema = Obj(("value", Str()), ("status", Obj(("applied", Bool)))),
        Columns = [new("Value", "string", ".value"), new("Applied", "boolean", ".status.applied"), Age],
    };

    public static readonly ApiKind SystemBackup = Longhorn("SystemBackup", "systembackups", ["lhsb"],
        Obj(("volumeBackupPolicy", Str("if-not-present", "always", "disabled"))),
        Obj(("ownerID", Str()), ("version", Str()), ("gitCommit", Str()), ("managerImage", Str()), ("state", Str()),
            ("conditions", Conditions), ("createdAt", Time), ("lastSyncedAt", Time)),
        [new("Version", "string", ".status.version"), new("State", "string", ".status.state"), new("Created", "string", ".status.createdAt"),
         new("LastSyncedAt", "string", ".status.lastSyncedAt", Priority: 1)]);

    public static readonly ApiKind SystemRestore = Longhorn("SystemRestore", "systemrestores", ["lhsr"],
        Obj(("systemBackup", Str())),
        Obj(("ownerID", Str()), ("state", Str()), ("sourceURL", Str()), ("conditions", Conditions)),
        [new("SystemBackup", "string", ".spec.systemBackup"), new("State", "string", ".status.state"), Age]);

    public static readonly ApiKind BackingImage = Longhorn("BackingImage", "backingimages", ["lhbi"],
        Obj(("checksum", Str()), ("sourceType", Str()), ("sourceParameters", StrMap), ("disks", StrMap),
            ("diskFileSpecMap", Free), ("diskSelector", StrList), ("nodeSelector", StrList), ("minNumberOfCopies", Int),
            ("dataEngine", Str()), ("secret", Str()), ("secretNamespace", Str())),
        Free,
        [new("UUID", "string", ".status.uuid"), new("SourceType", "string", ".spec.sourceType"), new("Size", "integer", ".status.size"),
         new("VirtualSize", "integer", ".status.virtualSize"), Age]);

    public static readonly ApiKind EngineImage = Longhorn("EngineImage", "engineimages", ["lhei"],
        Obj(("image", Str())),
        Free,
        [new("Incompatible", "boolean", ".status.incompatible"), new("State", "string", ".status.state"), new("Image", "string", ".spec.image"),
         new("RefCount", "integer", ".status.refCount"), new("BuildDate", "date", ".status.buildDate"), Age]);

    public static readonly ApiKind Namespace = Core("Namespace", "namespaces", ["ns"], namespaced: false, hasStatus: true,
        [new("Status", "string", ".status.phase"), Age]);
    public static readonly ApiKind Secret = Core("Secret", "secrets", [], columns: [new("Type", "string", ".type"), new("Data", "string", ".data"), Age]);
    public static readonly ApiKind ConfigMap = Core("ConfigMap", "configmaps", ["cm"], columns: [new("Data", "string", ".data"), Age]);
    public static readonly ApiKind Service = Core("Service", "services", ["svc"], hasStatus: true,
        columns: [new("Type", "string", ".spec.type"), new("Cluster-IP", "string", ".spec.clusterIP"), Age]);
    public static readonly ApiKind ServiceAccount = Core("ServiceAccount", "serviceaccounts", ["sa"], columns: [Age]);
    public static readonly ApiKind PersistentVolume = Core("PersistentVolume", "persistentvolumes", ["pv"], namespaced: false, hasStatus: true,
        [new("Capacity", "string", ".spec.capacity.storage"), new("Access Modes", "string", ".spec.accessModes"),
         new("Reclaim Policy", "string", ".spec.persistentVolumeReclaimPolicy"), new("Status", "string", ".status.phase"),
         new("Claim", "string", ".spec.claimRef.name"), new("StorageClass", "string", ".spec.storageClassName"), Age]);
    public static readonly ApiKind PersistentVolumeClaim = Core("PersistentVolumeClaim", "persistentvolumeclaims", ["pvc"], hasStatus: true,
        columns: [new("Status", "string", ".status.phase"), new("Volume", "string", ".spec.volumeName"),
         new("Capacity", "string", ".status.capacity.storage"), new("Access Modes", "string", ".status.accessModes"),
         new("StorageClass", "string", ".spec.storageClassName"), Age]);
    public static readonly ApiKind Pod = Core("Pod", "pods", ["po"], hasStatus: true,
        columns: [new("Ready", "string", ".status.containerStatuses"), new("Status", "string", ".status.phase"), Age]);
    public static readonly ApiKind Event = Core("Event", "events", ["ev"],
        columns: [new("Type", "string", ".type"), new("Reason", "string", ".reason"), new("Object", "string", ".involvedObject.name"),
         new("Message", "string", ".message")]);

    public static readonly ApiKind StorageClass = Builtin("storage.k8s.io", "v1", "StorageClass", "storageclasses", ["sc"], namespaced: false,
        columns: [new("Provisioner", "string", ".provisioner"), new("ReclaimPolicy", "string", ".reclaimPolicy"),
         new("VolumeBindingMode", "string", ".volumeBindingMode"), new("AllowVolumeExpansion", "boolean", ".allowVolumeExpansion"), Age]);

    public static readonly ApiKind VolumeSnapshotClass = Builtin("snapshot.storage.k8s.io", "v1", "VolumeSnapshotClass", "volumesnapshotclasses",
        ["vsclass", "vsclasses"], namespaced: false, extraVersions: ["v1beta1"],
        columns: [new("Driver", "string", ".driver"), new("DeletionPolicy", "string", ".deletionPolicy"), Age]);
    public static readonly ApiKind VolumeSnapshot = Builtin("snapshot.storage.k8s.io", "v1", "VolumeSnapshot", "volumesnapshots", ["vs"],
        hasStatus: true, extraVersions: ["v1beta1"],
        columns: [new("ReadyToUse", "boolean", ".status.readyToUse"), new("SourcePVC", "string", ".spec.source.persistentVolumeClaimName"),
         new("SourceSnapshotContent", "string", ".spec.source.volumeSnapshotContentName"), new("RestoreSize", "string", ".status.restoreSize"),
         new("SnapshotClass", "string", ".spec.volumeSnapshotClassName"), new("SnapshotContent", "string", ".status.boundVolumeSnapshotContentName"),
         new("CreationTime", "date", ".status.creationTime"), Age]);
    public static readonly ApiKind VolumeSnapshotContent = Builtin("snapshot.storage.k8s.io", "v1", "VolumeSnapshotContent", "volumesnapshotcontents",
        ["vsc", "vscs"], namespaced: false, hasStatus: true, extraVersions: ["v1beta1"],
        columns: [new("ReadyToUse", "boolean", ".status.readyToUse"), new("RestoreSize", "integer", ".status.restoreSize"),
         new("DeletionPolicy", "string", ".spec.deletionPolicy"), new("Driver", "string", ".spec.driver"),
         new("VolumeSnapshotClass", "string", ".spec.volumeSnapshotClassName"), new("VolumeSnapshot", "string", ".spec.volumeSnapshotRef.name"), Age]);

    public static readonly ApiKind DaemonSet = Builtin("apps", "v1", "DaemonSet", "daemonsets", ["ds"], hasStatus: true, columns: [Age]);
    public static readonly ApiKind Deployment = Builtin("apps", "v1", "Deployment", "deployments", ["deploy"], hasStatus: true, columns: [Age]);
    public static readonly ApiKind Role = Builtin("rbac.authorization.k8s.io", "v1", "Role", "roles", [], columns: [Age]);
    public static readonly ApiKind RoleBinding = Builtin("rbac.authorization.k8s.io", "v1", "RoleBinding", "rolebindings", [], columns: [Age]);
    public static readonly ApiKind ClusterRole = Builtin("rbac.authorization.k8s.io", "v1", "ClusterRole", "clusterroles", [], namespaced: false, columns: [Age]);
    public static readonly ApiKind ClusterRoleBinding = Builtin("rbac.authorization.k8s.io", "v1", "ClusterRoleBinding", "clusterrolebindings", [],
        namespaced: false, columns: [Age]);
    public static readonly ApiKind CustomResourceDefinition = Builtin("apiextensions.k8s.io", "v1", "CustomResourceDefinition",
        "customresourcedefinitions", ["crd", "crds"], namespaced: false, hasStatus: true, columns: [new("Created At", "date", ".metadata.creationTimestamp")]);

    public static IReadOnlyList<ApiKind> All { get; } =
    [
        BackupTarget, BackupVolume, Backup, Snapshot, Volume, RecurringJob, Setting, SystemBackup, SystemRestore, BackingImage, EngineImage,
        Namespace, Secret, ConfigMap, Service, ServiceAccount, PersistentVolume, PersistentVolumeClaim, Pod, Event,
        StorageClass, VolumeSnapshotClass, VolumeSnapshot, VolumeSnapshotContent, DaemonSet, Deployment,
        Role, RoleBinding, ClusterRole, ClusterRoleBinding, CustomResourceDefinition,
    ];

    private static readonly Dictionary<string, ApiKind> ByKindName = All.ToDictionary(k => k.Kind, StringComparer.Ordinal);

    /// <summary>The kind by its name (kind names are unique across the groups served here).</summary>
    public static ApiKind ByKind(string kind) =>
        ByKindName.TryGetValue(kind, out var found) ? found : throw new KeyNotFoundException($"the kind {kind} is not served");

    public static ApiKind? Find(string group, string version, string plural) =>
        All.FirstOrDefault(k => k.Group == group && k.Plural == plural && k.Versions.Contains(version));

    private static ApiKind Longhorn(string kind, string plural, string[] shortNames, ObjectSchema spec, Schema status, PrinterColumn[] columns) => new()
    {
        Group = LonghornGroup, Version = LonghornVersion, Kind = kind, Plural = plural, ShortNames = shortNames, HasStatus = true,
        Schema = Obj(("spec", spec), ("status", status)), Columns = columns,
    };

    private static ApiKind Core(string kind, string plural, string[] shortNames, bool namespaced = true, bool hasStatus = false,
        PrinterColumn[]? columns = null) =>
        Builtin("", "v1", kind, plural, shortNames, namespaced, hasStatus, columns: columns);

    private static ApiKind Builtin(string group, string version, string kind, string plural, string[] shortNames, bool namespaced = true,
        bool hasStatus = false, string[]? extraVersions = null, PrinterColumn[]? columns = null) => new()
    {
        Group = group, Version = version, Kind = kind, Plural = plural, ShortNames = shortNames, Namespaced = namespaced, HasStatus = hasStatus,
        ExtraVersions = extraVersions ?? [], Columns = columns ?? [Age], Schema = new ObjectSchema(new Dictionary<string, Schema>()),
    };
}
