using System.Text.Json.Nodes;

namespace Longhorn.Simulator.Cluster;

/// <summary>
/// The Kubernetes objects a Longhorn install puts in a cluster (its namespace, service accounts, RBAC, config maps,
/// services, workloads, CRDs, engine image, storage class), as Kubernetes-shaped JSON, so a fresh simulated cluster
/// yields a realistic system-backup bundle.
/// </summary>
public static class DefaultLonghornInstall
{
    public const string Namespace = "longhorn-system";
    public const string Version = "v1.10.0";
    public const string GitCommit = "4f1a4bbd4d0cd3cf9d2e6c7a2b3e0f9c31d8a7e2";
    public const string ManagerImage = "longhornio/longhorn-manager:" + Version;
    public const string EngineImage = "longhornio/longhorn-engine:" + Version;
    public const string KubernetesVersion = "v1.32.0";
    public const string Provisioner = "driver.longhorn.io";
    public const string StorageClassName = "longhorn";

    /// <summary>The Longhorn kinds (plural, kind, short name) its CRDs define; all in group longhorn.io, served as v1beta2.</summary>
    public static IReadOnlyList<(string Plural, string Kind, string ShortName)> LonghornKinds { get; } =
    [
        ("backingimages", "BackingImage", "lhbi"), ("backupbackingimages", "BackupBackingImage", "lhbbi"), ("backups", "Backup", "lhb"),
        ("backuptargets", "BackupTarget", "lhbt"), ("backupvolumes", "BackupVolume", "lhbv"), ("engineimages", "EngineImage", "lhei"),
        ("engines", "Engine", "lhe"), ("instancemanagers", "InstanceManager", "lhim"), ("nodes", "Node", "lhn"),
        ("orphans", "Orphan", "lho"), ("recurringjobs", "RecurringJob", "lhrj"), ("replicas", "Replica", "lhr"),
        ("settings", "Setting", "lhs"), ("sharemanagers", "ShareManager", "lhsm"), ("snapshots", "Snapshot", "lhsnap"),
        ("supportbundles", "SupportBundle", "lhbundle"), ("systembackups", "SystemBackup", "lhsb"), ("systemrestores", "SystemRestore", "lhsr"),
        ("volumeattachments", "VolumeAttachment", "lhva"), ("volumes", "Volume", "lhv"),
    ];

    /// <summary>Every object of the install, fresh copies on each call (namespaced ones in <see cref="Namespace"/>).</summary>
    public static IReadOnlyList<JsonObject> Objects()
    {
        var objects = new List<JsonObject>
        {
            Object("v1", "Namespace", "", Namespace, new JsonObject { ["spec"] = new JsonObject { ["finalizers"] = new JsonArray("kubernetes") } }),
        };
        foreach (var account in new[] { "longhorn-service-account", "longhorn-ui-service-account", "longhorn-support-bundle" })
            objects.Add(Object("v1", "ServiceAccount", Namespace, account, []));
        objects.Add(Object("rbac.authorization.k8s.io/v1", "ClusterRole", "", "longhorn-role", new JsonObject
        {
            ["rules"] = new JsonArray(new JsonObject
            {
                ["apiGroups"] = new JsonArray("longhorn.io"),
                ["resources"] = new JsonArray(LonghornKinds.Select(k => (JsonNode?)JsonValue.Create(k.Plural)).ToArray()),
                ["verbs"] = new JsonArray("*"),
            }),
        }));
        objects.Add(Binding("longhorn-bind", "longhorn-role", "longhorn-service-account"));
        objects.Add(Binding("longhorn-support-bundle", "cluster-admin", "longhorn-support-bundle"));
        objects.Add(Object("v1", "ConfigMap", Namespace, "longhorn-default-setting", new JsonObject
        {
            ["data"] = new JsonObject { ["default-setting.yaml"] = "" },
        }));
        objects.Add(Object("v1", "ConfigMap", Namespace, "longhorn-default-resource", new JsonObject
        {
            ["data"] = new JsonObject { ["default-resource.yaml"] = "" },
        }));
        objects.Add(Object("v1", "ConfigMap", Namespace, "longhorn-storageclass", new JsonObject
        {
            ["data"] = new JsonObject
            {
                ["storageclass.yaml"] = $"kind: StorageClass\napiVersion: storage.k8s.io/v1\nmetadata:\n  name: {StorageClassName}\nprovisioner: {Provisioner}\n",
            },
        }));
        foreach (var (name, port) in new[] { ("longhorn-backend", 9500), ("longhorn-frontend", 80), ("longhorn-admission-webhook", 9502) })
        {
            objects.Add(Object("v1", "Service", Namespace, name, new JsonObject
            {
                ["spec"] = new JsonObject
                {
                    ["type"] = "ClusterIP",
                    ["clusterIP"] = $"10.43.0.{port % 250}",
                    ["clusterIPs"] = new JsonArray($"10.43.0.{port % 250}"),
                    ["ports"] = new JsonArray(new JsonObject { ["name"] = "http", ["port"] = port, ["targetPort"] = port }),
                    ["selector"] = new JsonObject { ["app"] = name == "longhorn-frontend" ? "longhorn-ui" : "longhorn-manager" },
                },
            }));
        }
        objects.Add(Workload("DaemonSet", "longhorn-manager", ManagerImage));
        objects.Add(Workload("Deployment", "longhorn-driver-deployer", ManagerImage));
        objects.Add(Workload("Deployment", "longhorn-ui", "longhornio/longhorn-ui:" + Version));
        foreach (var (plural, kind, shortName) in LonghornKinds) objects.Add(Crd(plural, kind, shortName));
        objects.Add(Object("longhorn.io/v1beta2", "EngineImage", Namespace, "ei-" + GitCommit[..8], new JsonObject
        {
            ["spec"] = new JsonObject { ["image"] = EngineImage },
            ["status"] = new JsonObject { ["state"] = "deployed", ["version"] = Version },
        }));
        objects.Add(Object("storage.k8s.io/v1", "StorageClass", "", StorageClassName, new JsonObject
        {
            ["provisioner"] = Provisioner,
            ["allowVolumeExpansion"] = true,
            ["reclaimPolicy"] = "Delete",
            ["volumeBindingMode"] = "Immediate",
            ["parameters"] = new JsonObject { ["numberOfReplicas"] = "3", ["staleReplicaTimeout"] = "30", ["dataEngine"] = "v1" },
        }));
        return objects;
    }

    private static JsonObject Object(string apiVersion, string kind, string @namespace, string name, JsonObject body)
    {
        var metadata = new JsonObject { ["name"] = name };
        if (@namespace.Length > 0) metadata["namespace"] = @namespace;
        metadata["labels"] = new JsonObject { ["app.kubernetes.io/name"] = "longhorn", ["app.kubernetes.io/version"] = Version };
        var result = new JsonObject { ["apiVersion"] = apiVersion, ["kind"] = kind, ["metadata"] = metadata };
        foreach (var (key, value) in body.ToList())
        {
            body.Remove(key);
            result[key] = value;
        }
        return result;
    }

    private static JsonObject Binding(string name, string role, string account) =>
        Object("rbac.authorization.k8s.io/v1", "ClusterRoleBinding", "", name, new JsonObject
        {
            ["roleRef"] = new JsonObject { ["apiGroup"] = "rbac.authorization.k8s.io", ["kind"] = "ClusterRole", ["name"] = role },
            ["subjects"] = new JsonArray(new JsonObject { ["kind"] = "ServiceAccount", ["name"] = account, ["namespace"] = Namespace }),
        });

    private static JsonObject Workload(string kind, string name, string image) =>
        Object("apps/v1", kind, Namespace, name, new JsonObject
        {
            ["spec"] = new JsonObject
            {
                ["selector"] = new JsonObject { ["matchLabels"] = new JsonObject { ["app"] = name } },
                ["template"] = new JsonObject
                {
                    ["metadata"] = new JsonObject { ["labels"] = new JsonObject { ["app"] = name } },
                    ["spec"] = new JsonObject
                    {
                        ["serviceAccountName"] = "longhorn-service-account",
                        ["containers"] = new JsonArray(new JsonObject { ["name"] = name, ["image"] = image }),
                    },
                },
            },
        });

    private static JsonObject Crd(string plural, string kind, string shortName) =>
        Object("apiextensions.k8s.io/v1", "CustomResourceDefinition", "", $"{plural}.longhorn.io", new JsonObject
        {
            ["spec"] = new JsonObject
            {
                ["group"] = "longhorn.io",
                ["names"] = new JsonObject
                {
                    ["kind"] = kind, ["listKind"] = kind + "List", ["plural"] = plural, ["singular"] = kind.ToLowerInvariant(),
                    ["shortNames"] = new JsonArray(shortName),
                },
                ["scope"] = "Namespaced",
                ["versions"] = new JsonArray(new JsonObject
                {
                    ["name"] = "v1beta2", ["served"] = true, ["storage"] = true,
                    ["schema"] = new JsonObject
                    {
                        ["openAPIV3Schema"] = new JsonObject { ["type"] = "object", ["x-kubernetes-preserve-unknown-fields"] = true },
                    },
                    ["subresources"] = new JsonObject { ["status"] = new JsonObject() },
                }),
            },
        });
}
