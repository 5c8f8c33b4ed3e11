using System.Globalization;
using Longhorn.Engine;
using Longhorn.Functions.ControlPlane;
using Longhorn.Functions.Resources;

namespace Longhorn.Functions.Http;

/// <summary>Turns failures into <c>application/problem+json</c> with the right status and, when known, the field at fault.</summary>
public static class Problems
{
    public static IResult From(Exception error, HttpContext context)
    {
        var (status, field) = error switch
        {
            ControlPlaneException e => (e.Problem switch
            {
                Problem.Invalid => StatusCodes.Status400BadRequest,
                Problem.NotFound => StatusCodes.Status404NotFound,
                Problem.Conflict => StatusCodes.Status409Conflict,
                Problem.TooManyRequests => StatusCodes.Status429TooManyRequests,
                Problem.TooLarge => StatusCodes.Status413PayloadTooLarge,
                Problem.Forbidden => StatusCodes.Status403Forbidden,
                Problem.UnsupportedMediaType => StatusCodes.Status415UnsupportedMediaType,
                _ => StatusCodes.Status503ServiceUnavailable,
            }, e.Field),
            ResourceNotFoundException => (StatusCodes.Status404NotFound, "name"),
            ResourceConflictException => (StatusCodes.Status409Conflict, "resourceVersion"),
            BackupStoreArgumentException => (StatusCodes.Status400BadRequest, null),
            BackupStoreNotFoundException => (StatusCodes.Status404NotFound, null),
            BackupStoreLockException => (StatusCodes.Status409Conflict, null),
            BadHttpRequestException e => (e.StatusCode, null),
            OperationCanceledException when context.RequestAborted.IsCancellationRequested => (499, null),
            _ => (StatusCodes.Status500InternalServerError, null),
        };
        var detail = error.Message;
        if (status == StatusCodes.Status500InternalServerError)
        {
            context.RequestServices.GetRequiredService<ILoggerFactory>().CreateLogger("Longhorn.Functions.Http")
                .LogError(error, "Function {Path} failed", context.Request.Path);
            detail = "internal error: " + error.Message;
        }
        if (error is ControlPlaneException { RetryAfter: { } retry })
            context.Response.Headers.RetryAfter = Math.Ceiling(retry.TotalSeconds).ToString(CultureInfo.InvariantCulture);
        var extensions = new Dictionary<string, object?>();
        if (field is not null) extensions["field"] = field;
        return Results.Problem(detail: detail, statusCode: status, instance: context.Request.Path, extensions: extensions);
    }
}
