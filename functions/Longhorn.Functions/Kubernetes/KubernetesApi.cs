using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Longhorn.Functions.Cluster;
using Longhorn.Functions.ControlPlane;
using Longhorn.Functions.Resources;

namespace Longhorn.Functions.Kubernetes;

/// <summary>
/// The cluster's objects as a Kubernetes API server under <c>/k8s</c>: discovery, OpenAPI v3, and get, list, watch,
/// create, update, patch and delete (finalizers, propagation, the status subresource), with the API server's Status
/// errors. The control plane reads and writes the same objects through its typed view, so each side sees the other's writes.
/// </summary>
public sealed class KubernetesApi(ObjectStore objects, IEnumerable<IAdmission> admissions, IEnumerable<IControlPlaneCreation> creations, IEnumerable<IControlPlaneUpdate> updates, IEnumerable<IControlPlaneDeletion> deletions,
    TimeProvider time, ILogger<KubernetesApi> logger)
{
    public const string PathPrefix = "/k8s";
    private const long MaxBodyBytes = 3 * 1024 * 1024;
    private static readonly JsonSerializerOptions Compact = new() { WriteIndented = false, Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    public async Task HandleAsync(HttpContext context, string serverAddress)
    {
        try
        {
            var path = context.Request.Path.Value ?? "";
            var segments = path.Length > PathPrefix.Length ? path[PathPrefix.Length..].Split('/', StringSplitOptions.RemoveEmptyEntries) : [];
            if (await TryDiscoveryAsync(context, segments, serverAddress)) return;
            var route = ParseResource(segments) ?? throw ApiStatusException.NotFound("the server could not find the requested resource");
            await DispatchAsync(context, route);
        }
        catch (ApiStatusException e)
        {
            await WriteAsync(context, e.Code, e.ToStatus());
        }
        catch (ObjectStoreException e)
        {
            await WriteAsync(context, e.Code, ApiStatusException.From(e, null).ToStatus());
        }
        catch (FormatException e)
        {
            await WriteAsync(context, 400, ApiStatusException.BadRequest(e.Message).ToStatus());
        }
        catch (OperationCanceledException) when (context.RequestAborted.IsCancellationRequested)
        {
        }
    }

    private static ApiRoute? ParseResource(string[] segments)
    {
        if (segments.Length >= 2 && segments[0] == "api") return ApiRoute.Parse("", segments[1], segments[2..]);
        if (segments.Length >= 3 && segments[0] == "apis") return ApiRoute.Parse(segments[1], segments[2], segments[3..]);
        return null;
    }

    private static async Task<bool> TryDiscoveryAsync(HttpContext context, string[] s, string serverAddress)
    {
        if (!HttpMethods.IsGet(context.Request.Method)) return false;
        if (s is ["openapi", "v2"])
        {
            context.Response.ContentType = "application/com.github.proto-openapi.spec.v2.v1.0+protobuf";
            await context.Response.Body.WriteAsync(Discovery.OpenApiV2Protobuf());
            return true;
        }
        JsonObject? answer = s switch
        {
            ["version"] => Discovery.Version(),
            ["api"] => Discovery.CoreVersions(serverAddress),
            ["apis"] => Discovery.GroupList(),
            ["api", var version] => Discovery.Resources("", version),
            ["apis", var group] => Discovery.Group(group),
            ["apis", var group, var version] => Discovery.Resources(group, version),
            ["openapi", "v3"] => Discovery.OpenApiRoot(),
            ["openapi", "v3", "api", var version] => Discovery.OpenApi("", version),
            ["openapi", "v3", "apis", var group, var version] => Discovery.OpenApi(group, version),
            ["healthz"] or ["livez"] or ["readyz"] => new JsonObject(),
            _ => null,
        };
        if (answer is null)
        {
            if (s is ["api", _] or ["apis", _] or ["apis", _, _] or ["openapi", ..])
                throw ApiStatusException.NotFound("the server could not find the requested resource");
            return false;
        }
        if (s is ["healthz"] or ["livez"] or ["readyz"])
        {
            context.Response.ContentType = "text/plain";
            await context.Response.WriteAsync("ok");
            return true;
        }
        await WriteAsync(context, 200, answer);
        return true;
    }

    private async Task DispatchAsync(HttpContext context, ApiRoute route)
    {
        var method = context.Request.Method;
        var cancellationToken = context.RequestAborted;
        if (route.Name is null)
        {
            if (HttpMethods.IsGet(method)) await ListOrWatchAsync(context, route, cancellationToken);
            else if (HttpMethods.IsPost(method)) await CreateAsync(context, route, cancellationToken);
            else throw ApiStatusException.MethodNotAllowed($"the server does not allow this method on the requested resource");
            return;
        }
        if (HttpMethods.IsGet(method))
        {
            var item = await GetRequiredAsync(route, cancellationToken);
            await WriteObjectAsync(context, 200, route, item);
        }
        else if (HttpMethods.IsPut(method)) await ReplaceAsync(context, route, cancellationToken);
        else if (HttpMethods.IsPatch(method)) await PatchAsync(context, route, cancellationToken);
        else if (HttpMethods.IsDelete(method)) await DeleteAsync(context, route, cancellationToken);
        else throw ApiStatusException.MethodNotAllowed("the server does not allow this method on the requested resource");
    }

    private async Task<JsonObject> GetRequiredAsync(ApiRoute route, CancellationToken cancellationToken) =>
        await objects.GetAsync(route.Kind, route.Namespace ?? "", route.Name!, cancellationToken)
        ?? throw ApiStatusException.From(ObjectStoreException.NotFound(route.Kind, route.Name!), route.Kind);

    private async Task ListOrWatchAsync(HttpContext context, ApiRoute route, CancellationToken cancellationToken)
    {
        var query = context.Request.Query;
        var labels = query["labelSelector"].ToString() is { Length: > 0 } l ? LabelSelector.Parse(l) : null;
        var fields = query["fieldSelector"].ToString() is { Length: > 0 } f ? FieldSelector.Parse(f) : null;
        if (query["watch"].ToString() is "true" or "1")
        {
            await WatchAsync(context, route, labels, fields, cancellationToken);
            return;
        }
        var limit = int.TryParse(query["limit"], NumberStyles.None, CultureInfo.InvariantCulture, out var n) ? n : 0;
        var page = await objects.ListAsync(route.Kind, route.Namespace, labels, fields, limit, query["continue"].ToString(), cancellationToken);
        var version = page.ResourceVersion.ToString(CultureInfo.InvariantCulture);
        if (Tables.Wanted(context.Request))
        {
            await WriteAsync(context, 200, Tables.Of(route.Kind, page.Items, time.GetUtcNow(), version, page.Continue));
            return;
        }
        var metadata = new JsonObject { ["resourceVersion"] = version };
        if (page.Continue is not null) metadata["continue"] = page.Continue;
        var list = new JsonObject
        {
            ["kind"] = route.Kind.Kind + "List",
            ["apiVersion"] = ApiVersion(route),
            ["metadata"] = metadata,
            ["items"] = new JsonArray(page.Items.Select(i => (JsonNode?)AsVersion(i, route)).ToArray()),
        };
        await WriteAsync(context, 200, list);
    }

    /// <summary>
    /// Streams changes as newline-separated watch events. Without a resourceVersion (or "0") the current objects come
    /// first as ADDED; otherwise every change after that version, or 410 Expired when it is older than the history kept.
    /// </summary>
    private async Task WatchAsync(HttpContext context, ApiRoute route, LabelSelector? labels, FieldSelector? fields, CancellationToken cancellationToken)
    {
        var query = context.Request.Query;
        var requested = query["resourceVersion"].ToString();
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        if (int.TryParse(query["timeoutSeconds"], NumberStyles.None, CultureInfo.InvariantCulture, out var timeout) && timeout > 0)
            stop.CancelAfter(TimeSpan.FromSeconds(timeout));
        var table = Tables.Wanted(context.Request);
        var bookmarks = query["allowWatchBookmarks"].ToString() is "true" or "1";
        var from = objects.CurrentVersion;
        List<JsonObject> initial = [];
        if (requested is "" or "0")
        {
            var page = await objects.ListAsync(route.Kind, route.Namespace, labels, fields, 0, null, cancellationToken);
            initial = page.Items.ToList();
            from = page.ResourceVersion;
        }
        else if (!long.TryParse(requested, NumberStyles.None, CultureInfo.InvariantCulture, out from))
            throw ApiStatusException.BadRequest($"invalid resourceVersion {requested}");
        System.Threading.Channels.ChannelReader<ObjectEvent> changes;
        try
        {
            changes = objects.Watch(from, stop.Token);
        }
        catch (ObjectStoreException e)
        {
            throw ApiStatusException.From(e, route.Kind);
        }

        context.Response.StatusCode = 200;
        context.Response.ContentType = "application/json";
        context.Response.Headers.CacheControl = "no-cache, private";
        var first = true;
        async Task SendAsync(string type, JsonObject item)
        {
            JsonNode payload = table ? Tables.Of(route.Kind, [item], time.GetUtcNow(), withColumns: first) : AsVersion(item, route);
            first = false;
            var line = new JsonObject { ["type"] = type, ["object"] = payload }.ToJsonString(Compact) + "\n";
            await context.Response.WriteAsync(line, stop.Token);
            await context.Response.Body.FlushAsync(stop.Token);
        }
        try
        {
            foreach (var item in initial) await SendAsync("ADDED", item);
            if (initial.Count == 0) await context.Response.Body.FlushAsync(stop.Token);
            if (bookmarks) await SendBookmarkAsync(context, route, from, stop.Token);
            // With a selector, an object that stops matching leaves the watcher's selection as DELETED and one that
            // starts matching enters it as ADDED, as the API server's watch cache reports them.
            bool Selected(JsonObject? item) =>
                item is not null && (labels is null || labels.Matches(LabelsOf(item))) && (fields is null || fields.Matches(item));
            await foreach (var change in changes.ReadAllAsync(stop.Token))
            {
                if (change.Kind != route.Kind || change.Version <= from) continue;
                if (route.Namespace is not null && ObjectStore.Meta(change.Object, "namespace") != route.Namespace) continue;
                var type = change.Type.ToString().ToUpperInvariant();
                if (change.Type == WatchEventType.Modified)
                {
                    var was = Selected(change.Previous);
                    var now = Selected(change.Object);
                    if (!was && !now) continue;
                    type = was && now ? "MODIFIED" : now ? "ADDED" : "DELETED";
                }
                else if (!Selected(change.Object)) continue;
                await SendAsync(type, change.Object);
            }
        }
        catch (OperationCanceledException)
        {
        }
    }

    private static async Task SendBookmarkAsync(HttpContext context, ApiRoute route, long version, CancellationToken cancellationToken)
    {
        var bookmark = new JsonObject
        {
            ["type"] = "BOOKMARK",
            ["object"] = new JsonObject
            {
                ["kind"] = route.Kind.Kind,
                ["apiVersion"] = ApiVersion(route),
                ["metadata"] = new JsonObject { ["resourceVersion"] = version.ToString(CultureInfo.InvariantCulture) },
            },
        };
        await context.Response.WriteAsync(bookmark.ToJsonString(Compact) + "\n", cancellationToken);
        await context.Response.Body.FlushAsync(cancellationToken);
    }

    private async Task CreateAsync(HttpContext context, ApiRoute route, CancellationToken cancellationToken)
    {
        var item = await ReadBodyAsync(context, route);
        if (route.Kind.Namespaced)
        {
            var inBody = ObjectStore.Meta(item, "namespace");
            var @namespace = route.Namespace ?? inBody ?? "default";
            if (inBody is { Length: > 0 } && inBody != @namespace)
                throw ApiStatusException.BadRequest("the namespace of the provided object does not match the namespace sent on the request");
            ObjectStore.MetadataOf(item)["namespace"] = @namespace;
            await RequireNamespaceAsync(@namespace, cancellationToken);
        }
        if (route.Kind.HasStatus) item.Remove("status");
        foreach (var key in new[] { "uid", "resourceVersion", "creationTimestamp", "deletionTimestamp" }) ObjectStore.MetadataOf(item).Remove(key);
        await AdmitAsync(context, route, item, null, cancellationToken);
        if (IsDryRun(context))
        {
            await WriteObjectAsync(context, 201, route, item);
            return;
        }
        JsonObject created;
        if (creations.FirstOrDefault(k => k.Kind == route.Kind) is { } handler)
        {
            if (await objects.GetAsync(route.Kind, ObjectStore.Meta(item, "namespace") ?? "", ObjectStore.Meta(item, "name") ?? "", cancellationToken) is not null)
                throw ApiStatusException.From(ObjectStoreException.AlreadyExists(route.Kind, ObjectStore.Meta(item, "name") ?? ""), route.Kind);
            await ThroughControlPlaneAsync(() => handler.CreateAsync(item, cancellationToken));
            created = await GetRequiredAsync(route with { Name = ObjectStore.Meta(item, "name") }, cancellationToken);
        }
        else created = await objects.CreateAsync(route.Kind, item, cancellationToken).ConfigureAwait(false);
        logger.LogInformation("Created {Kind} {Namespace}/{Name} through the Kubernetes API", route.Kind.Kind, ObjectStore.Meta(created, "namespace"), ObjectStore.Meta(created, "name"));
        await WriteObjectAsync(context, 201, route, created);
    }

    private async Task ReplaceAsync(HttpContext context, ApiRoute route, CancellationToken cancellationToken)
    {
        var current = await GetRequiredAsync(route, cancellationToken);
        var item = await ReadBodyAsync(context, route, current);
        if (ObjectStore.Meta(item, "name") is { } name && name != route.Name)
            throw ApiStatusException.BadRequest($"the name of the object ({name}) does not match the name on the URL ({route.Name})");
        ObjectStore.MetadataOf(item)["name"] = route.Name;
        await StoreChangeAsync(context, route, current, item, cancellationToken);
    }

    private async Task PatchAsync(HttpContext context, ApiRoute route, CancellationToken cancellationToken)
    {
        var contentType = (context.Request.ContentType ?? "").Split(';')[0].Trim();
        if (contentType == "application/apply-patch+yaml")
            throw ApiStatusException.UnsupportedMediaType(contentType + "; server-side apply is not supported, use client-side kubectl apply");
        var body = await ReadTextAsync(context);
        var current = await GetRequiredAsync(route, cancellationToken);
        var patched = Patches.Apply(current.DeepClone().AsObject(), contentType, body);
        var patchedVersion = ObjectStore.Meta(patched, "resourceVersion");
        if (patchedVersion == ObjectStore.Meta(current, "resourceVersion")) ObjectStore.MetadataOf(patched).Remove("resourceVersion");
        CheckStrict(context, route, patched, current);
        await StoreChangeAsync(context, route, current, patched, cancellationToken);
    }

    /// <summary>Update and patch end here: status handled as a subresource, admission, then the store's optimistic write.</summary>
    private async Task StoreChangeAsync(HttpContext context, ApiRoute route, JsonObject current, JsonObject item, CancellationToken cancellationToken)
    {
        if (route.Kind.Namespaced) ObjectStore.MetadataOf(item)["namespace"] = route.Namespace ?? ObjectStore.Meta(current, "namespace");
        if (route.Kind.HasStatus)
        {
            if (route.Subresource == "status")
            {
                var status = item["status"]?.DeepClone();
                var rv = ObjectStore.Meta(item, "resourceVersion");
                item = current.DeepClone().AsObject();
                if (status is null) item.Remove("status");
                else item["status"] = status;
                if (rv is not null) ObjectStore.MetadataOf(item)["resourceVersion"] = rv;
                else ObjectStore.MetadataOf(item).Remove("resourceVersion");
            }
            else if (current["status"] is { } status) item["status"] = status.DeepClone();
            else item.Remove("status");
        }
        await AdmitAsync(context, route, item, current, cancellationToken);
        var update = route.Subresource == "status" ? null : updates.FirstOrDefault(u => u.Kind == route.Kind);
        if (update is not null) await ThroughControlPlaneAsync(() => update.AdmitAsync(item, cancellationToken));
        if (IsDryRun(context))
        {
            await WriteObjectAsync(context, 200, route, item);
            return;
        }
        JsonObject? stored;
        try
        {
            stored = await objects.UpdateAsync(route.Kind, item, cancellationToken);
        }
        catch (ObjectStoreException e)
        {
            throw ApiStatusException.From(e, route.Kind);
        }
        if (update is not null && stored is not null) await update.UpdatedAsync(current, stored, cancellationToken);
        await WriteObjectAsync(context, 200, route, stored ?? item);
    }

    private async Task DeleteAsync(HttpContext context, ApiRoute route, CancellationToken cancellationToken)
    {
        var options = context.Request.ContentLength is > 0 || context.Request.Headers.TransferEncoding.Count > 0
            ? JsonNode.Parse(await ReadTextAsync(context)) as JsonObject
            : null;
        var policy = (string?)options?["propagationPolicy"] ?? context.Request.Query["propagationPolicy"].ToString();
        if (options?["orphanDependents"] is JsonValue orphan && orphan.GetValueKind() == JsonValueKind.True) policy = "Orphan";
        var precondition = (string?)options?["preconditions"]?["resourceVersion"];
        var current = await GetRequiredAsync(route, cancellationToken);
        var uid = ObjectStore.Meta(current, "uid") ?? "";
        JsonObject? remaining;
        try
        {
            if (deletions.FirstOrDefault(k => k.Kind == route.Kind) is { } handler)
            {
                await ThroughControlPlaneAsync(() => handler.DeleteAsync(route.Name!, cancellationToken));
                remaining = await objects.GetAsync(route.Kind, route.Namespace ?? "", route.Name!, cancellationToken);
                // A deleted object that the control plane put back at once (a setting's default) is another object:
                // answer that this one is gone, or kubectl would wait for the new one's deletion.
                if (remaining is not null && ObjectStore.Meta(remaining, "uid") != uid) remaining = null;
            }
            else remaining = await objects.DeleteAsync(route.Kind, route.Namespace ?? "", route.Name!, cancellationToken, precondition,
                policy is { Length: > 0 } ? policy : "Background");
        }
        catch (ObjectStoreException e)
        {
            throw ApiStatusException.From(e, route.Kind);
        }
        logger.LogInformation("Deleted {Kind} {Namespace}/{Name} through the Kubernetes API", route.Kind.Kind, route.Namespace, route.Name);
        if (remaining is not null) await WriteObjectAsync(context, 200, route, remaining);
        else
        {
            var details = new JsonObject { ["name"] = route.Name, ["group"] = route.Kind.Group, ["kind"] = route.Kind.Plural, ["uid"] = uid };
            await WriteAsync(context, 200, ApiStatusException.Status("Success", "", "", 200, details));
        }
    }

    /// <summary>The control plane's refusals come back as Longhorn's admission webhook answers them.</summary>
    private static async Task ThroughControlPlaneAsync(Func<Task> action)
    {
        try
        {
            await action().ConfigureAwait(false);
        }
        catch (ControlPlaneException e)
        {
            var code = e.Problem == Problem.TooManyRequests ? 429 : e.Problem == Problem.NotFound ? 404 : 400;
            throw new ApiStatusException(code, code == 404 ? "NotFound" : "BadRequest", $"admission webhook \"validator.longhorn.io\" denied the request: {e.Message}");
        }
        catch (ResourceConflictException e)
        {
            throw new ApiStatusException(409, "AlreadyExists", e.Message);
        }
    }

    private async Task RequireNamespaceAsync(string @namespace, CancellationToken cancellationToken)
    {
        if (await objects.GetAsync(ApiKinds.Namespace, "", @namespace, cancellationToken) is null)
            throw ApiStatusException.From(ObjectStoreException.NotFound(ApiKinds.Namespace, @namespace), ApiKinds.Namespace);
    }

    private async Task AdmitAsync(HttpContext context, ApiRoute route, JsonObject item, JsonObject? current, CancellationToken cancellationToken)
    {
        var errors = ObjectValidation.Errors(item, route.Kind, current is null);
        if (current is not null) errors = errors.Except(ObjectValidation.Errors(current, route.Kind, false)).ToList();
        if (errors.Count > 0) throw ApiStatusException.Invalid(route.Kind, ObjectStore.Meta(item, "name") ?? ObjectStore.Meta(item, "generateName") ?? "", errors);
        foreach (var admission in admissions) await admission.AdmitAsync(route.Kind, item, current, cancellationToken);
    }

    private async Task<JsonObject> ReadBodyAsync(HttpContext context, ApiRoute route, JsonObject? current = null)
    {
        var contentType = (context.Request.ContentType ?? "application/json").Split(';')[0].Trim();
        if (contentType == ProtobufBodies.MediaType)
        {
            var decoded = ProtobufBodies.Decode(await ReadBytesAsync(context), route.Kind);
            ObjectValidation.CheckTypeMeta(decoded, route.Kind, route.Version);
            return decoded;
        }
        if (contentType is not ("application/json" or "application/yaml" or "*/*" or ""))
            throw new ApiStatusException(415, "UnsupportedMediaType", $"the body of the request was in an unknown format - accepted media types include: application/json, application/yaml, application/vnd.kubernetes.protobuf ({contentType})");
        var text = await ReadTextAsync(context);
        JsonObject item;
        try
        {
            item = JsonNode.Parse(text, documentOptions: new JsonDocumentOptions { AllowDuplicateProperties = false }) as JsonObject
                   ?? throw ApiStatusException.BadRequest("the request body must be a JSON object");
        }
        catch (JsonException e)
        {
            throw ApiStatusException.BadRequest($"couldn't get version/kind; json parse error: {e.Message}");
        }
        ObjectValidation.CheckTypeMeta(item, route.Kind, route.Version);
        CheckStrict(context, route, item, current);
        return item;
    }

    /// <summary>fieldValidation=Strict (what kubectl sends) refuses unknown fields; Warn (the default) and Ignore prune them, Warn with a warning.</summary>
    private static void CheckStrict(HttpContext context, ApiRoute route, JsonObject item, JsonObject? current = null)
    {
        var unknown = ObjectValidation.UnknownFields(item, route.Kind);
        // A change is judged by what it adds: fields the control plane itself stored are not the writer's doing.
        if (current is not null) unknown = unknown.Except(ObjectValidation.UnknownFields(current, route.Kind)).ToList();
        if (unknown.Count == 0) return;
        var mode = context.Request.Query["fieldValidation"].ToString();
        if (mode == "Strict")
        {
            var fields = string.Join(", ", unknown.Select(u => $"unknown field \"{u}\""));
            throw ApiStatusException.BadRequest($"{route.Kind.Kind} in version \"{route.Version}\" cannot be handled as a {route.Kind.Kind}: strict decoding error: {fields}");
        }
        if (mode != "Ignore")
        {
            foreach (var field in unknown) context.Response.Headers.Append("Warning", $"299 - \"unknown field \\\"{field}\\\"\"");
        }
        foreach (var field in unknown) Prune(item, field);
    }

    private static void Prune(JsonObject item, string path)
    {
        var parts = path.Split('.');
        JsonNode? node = item;
        for (var i = 0; i < parts.Length - 1; i++) node = node is JsonObject o ? o[parts[i]] : null;
        if (node is JsonObject parent) parent.Remove(parts[^1]);
    }

    private static async Task<string> ReadTextAsync(HttpContext context) => Encoding.UTF8.GetString(await ReadBytesAsync(context));

    private static async Task<byte[]> ReadBytesAsync(HttpContext context)
    {
        var buffer = new MemoryStream();
        var chunk = new byte[81920];
        int read;
        while ((read = await context.Request.Body.ReadAsync(chunk, context.RequestAborted)) > 0)
        {
            if (buffer.Length + read > MaxBodyBytes) throw new ApiStatusException(413, "RequestEntityTooLarge", $"the request body is larger than {MaxBodyBytes} bytes");
            buffer.Write(chunk, 0, read);
        }
        return buffer.ToArray();
    }

    private static bool IsDryRun(HttpContext context) => context.Request.Query["dryRun"].ToString() == "All";

    private async Task WriteObjectAsync(HttpContext context, int status, ApiRoute route, JsonObject item)
    {
        if (Tables.Wanted(context.Request)) await WriteAsync(context, status, Tables.Of(route.Kind, [item], time.GetUtcNow()));
        else await WriteAsync(context, status, AsVersion(item, route));
    }

    private static JsonObject AsVersion(JsonObject item, ApiRoute route)
    {
        if (route.Version == route.Kind.Version) return item;
        var copy = item.DeepClone().AsObject();
        copy["apiVersion"] = ApiVersion(route);
        return copy;
    }

    private static string ApiVersion(ApiRoute route) => route.Kind.Group.Length == 0 ? route.Version : $"{route.Kind.Group}/{route.Version}";

    private static IReadOnlyDictionary<string, string> LabelsOf(JsonObject item) =>
        item["metadata"]?["labels"] is JsonObject labels
            ? labels.ToDictionary(p => p.Key, p => p.Value?.ToString() ?? "", StringComparer.Ordinal)
            : new Dictionary<string, string>();

    private static async Task WriteAsync(HttpContext context, int status, JsonObject body)
    {
        context.Response.StatusCode = status;
        context.Response.ContentType = "application/json";
        await context.Response.WriteAsync(body.ToJsonString(Compact));
    }
}

/// <summary>A check or default applied to objects written through the Kubernetes API (the host's webhooks); throw <see cref="ApiStatusException"/> to refuse.</summary>
public interface IAdmission
{
    Task AdmitAsync(ApiKind kind, JsonObject item, JsonObject? current, CancellationToken cancellationToken);
}
