using System.Text.Json.Nodes;
using k8s;

namespace Longhorn.Functions.ControlPlane.SystemBackups;

/// <summary>
/// A real cluster as a source: any Kubernetes API server a kubeconfig names (KubernetesClient), its built-in kinds
/// through their typed lists and Longhorn's kinds as custom objects, so a bundle can be made of a real Longhorn install.
/// </summary>
public sealed class KubeconfigClusterObjectSource(IKubernetes client) : IClusterObjectSource, IDisposable
{
    /// <summary>A source for the kubeconfig file (its current context).</summary>
    public static KubeconfigClusterObjectSource FromFile(string kubeconfigPath) =>
        new(new k8s.Kubernetes(KubernetesClientConfiguration.BuildConfigFromConfigFile(kubeconfigPath)));

    public async Task<IReadOnlyList<JsonObject>> ListAsync(string apiVersion, string kind, string? @namespace, CancellationToken cancellationToken)
    {
        object list;
        try
        {
            list = await ListTypedAsync(apiVersion, kind, @namespace, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is k8s.Autorest.HttpOperationException or HttpRequestException)
        {
            throw new SystemBackupException($"listing {kind} from the Kubernetes API server {client.BaseUri} failed: {e.Message}", e);
        }
        var node = JsonNode.Parse(KubernetesJson.Serialize(list)) as JsonObject;
        var items = node?["items"] as JsonArray ?? [];
        // Typed list items come without their type; the bundle's objects carry apiVersion and kind.
        return items.OfType<JsonObject>().Select(item =>
        {
            var copy = item.DeepClone().AsObject();
            copy["apiVersion"] = apiVersion;
            copy["kind"] = kind;
            return copy;
        }).ToList();
    }

    private async Task<object> ListTypedAsync(string apiVersion, string kind, string? @namespace, CancellationToken cancellationToken) =>
        (apiVersion, kind) switch
        {
            ("v1", "Namespace") => await client.CoreV1.ListNamespaceAsync(cancellationToken: cancellationToken).ConfigureAwait(false),
            ("v1", "ServiceAccount") => @namespace is null
                ? await client.CoreV1.ListServiceAccountForAllNamespacesAsync(cancellationToken: cancellationToken).ConfigureAwait(false)
                : await client.CoreV1.ListNamespacedServiceAccountAsync(@namespace, cancellationToken: cancellationToken).ConfigureAwait(false),
            ("v1", "ConfigMap") => @namespace is null
                ? await client.CoreV1.ListConfigMapForAllNamespacesAsync(cancellationToken: cancellationToken).ConfigureAwait(false)
                : await client.CoreV1.ListNamespacedConfigMapAsync(@namespace, cancellationToken: cancellationToken).ConfigureAwait(false),
            ("v1", "Service") => @namespace is null
                ? await client.CoreV1.ListServiceForAllNamespacesAsync(cancellationToken: cancellationToken).ConfigureAwait(false)
                : await client.CoreV1.ListNamespacedServiceAsync(@namespace, cancellationToken: cancellationToken).ConfigureAwait(false),
            ("v1", "PersistentVolume") => await client.CoreV1.ListPersistentVolumeAsync(cancellationToken: cancellationToken).ConfigureAwait(false),
            ("v1", "PersistentVolumeClaim") => @namespace is null
                ? await client.CoreV1.ListPersistentVolumeClaimForAllNamespacesAsync(cancellationToken: cancellationToken).ConfigureAwait(false)
                : await client.CoreV1.ListNamespacedPersistentVolumeClaimAsync(@namespace, cancellationToken: cancellationToken).ConfigureAwait(false),
            ("rbac.authorization.k8s.io/v1", "ClusterRole") =>
                await client.RbacAuthorizationV1.ListClusterRoleAsync(cancellationToken: cancellationToken).ConfigureAwait(false),
            ("rbac.authorization.k8s.io/v1", "ClusterRoleBinding") =>
                await client.RbacAuthorizationV1.ListClusterRoleBindingAsync(cancellationToken: cancellationToken).ConfigureAwait(false),
            ("rbac.authorization.k8s.io/v1", "Role") => @namespace is null
                ? await client.RbacAuthorizationV1.ListRoleForAllNamespacesAsync(cancellationToken: cancellationToken).ConfigureAwait(false)
                : await client.RbacAuthorizationV1.ListNamespacedRoleAsync(@namespace, cancellationToken: cancellationToken).ConfigureAwait(false),
            ("rbac.authorization.k8s.io/v1", "RoleBinding") => @namespace is null
                ? await client.RbacAuthorizationV1.ListRoleBindingForAllNamespacesAsync(cancellationToken: cancellationToken).ConfigureAwait(false)
                : await client.RbacAuthorizationV1.ListNamespacedRoleBindingAsync(@namespace, cancellationToken: cancellationToken).ConfigureAwait(false),
            ("apps/v1", "DaemonSet") => @namespace is null
                ? await client.AppsV1.ListDaemonSetForAllNamespacesAsync(cancellationToken: cancellationToken).ConfigureAwait(false)
                : await client.AppsV1.ListNamespacedDaemonSetAsync(@namespace, cancellationToken: cancellationToken).ConfigureAwait(false),
            ("apps/v1", "Deployment") => @namespace is null
                ? await client.AppsV1.ListDeploymentForAllNamespacesAsync(cancellationToken: cancellationToken).ConfigureAwait(false)
                : await client.AppsV1.ListNamespacedDeploymentAsync(@namespace, cancellationToken: cancellationToken).ConfigureAwait(false),
            ("storage.k8s.io/v1", "StorageClass") => await client.StorageV1.ListStorageClassAsync(cancellationToken: cancellationToken).ConfigureAwait(false),
            ("apiextensions.k8s.io/v1", "CustomResourceDefinition") =>
                await client.ApiextensionsV1.ListCustomResourceDefinitionAsync(cancellationToken: cancellationToken).ConfigureAwait(false),
            ("longhorn.io/v1beta2", _) => @namespace is null
                ? await client.CustomObjects.ListClusterCustomObjectAsync("longhorn.io", "v1beta2", Plural(kind), cancellationToken: cancellationToken)
                    .ConfigureAwait(false)
                : await client.CustomObjects.ListNamespacedCustomObjectAsync("longhorn.io", "v1beta2", @namespace, Plural(kind),
                    cancellationToken: cancellationToken).ConfigureAwait(false),
            _ => throw new SystemBackupException($"listing {apiVersion} {kind} from a Kubernetes API server is not supported"),
        };

    public async Task<string> GetKubernetesVersionAsync(CancellationToken cancellationToken) =>
        (await client.Version.GetCodeAsync(cancellationToken).ConfigureAwait(false)).GitVersion;

    public void Dispose() => client.Dispose();

    private static string Plural(string kind) => kind.ToLowerInvariant() + "s";
}
