using Longhorn.Functions.ControlPlane.Settings;
using Microsoft.Azure.Functions.Worker;
using Longhorn.Functions.Http.Views;

namespace Longhorn.Functions.Http;

/// <summary>Longhorn settings (failed-backup-ttl, backup-compression-method, ...).</summary>
public sealed class SettingFunctions(LonghornSettings settings)
{
    [Function("ListSettings")]
    public async Task<IResult> ListAsync([HttpTrigger(AuthorizationLevel.Function, "get", Route = "settings")] HttpRequest request, CancellationToken cancellationToken) =>
        Answers.Page(request, "setting", await settings.ListAsync(cancellationToken), SettingView.From);

    [Function("PutSetting")]
    public async Task<IResult> PutAsync([HttpTrigger(AuthorizationLevel.Function, "put", Route = "settings/{name}")] HttpRequest request, string name,
        CancellationToken cancellationToken)
    {
        var body = await RequestBody.ReadAsync<SettingInput>(request, cancellationToken);
        return Answers.Ok(SettingView.From(await settings.SetAsync(name, body.Value ?? "", cancellationToken)));
    }

    /// <summary>The body of PUT settings/{name}.</summary>
    public sealed class SettingInput
    {
        public string? Value { get; set; }
    }
}
