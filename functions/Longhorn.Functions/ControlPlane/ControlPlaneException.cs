namespace Longhorn.Functions.ControlPlane;

/// <summary>Why a request cannot be done, in the terms the HTTP edge answers with.</summary>
public enum Problem
{
    Invalid,
    NotFound,
    Conflict,
    TooManyRequests,
    Unavailable,
    TooLarge,
    Forbidden,
    UnsupportedMediaType,
}

/// <summary>A control-plane request failed for a reason the user can act on; <see cref="Field"/> names the input at fault.</summary>
public sealed class ControlPlaneException : Exception
{
    public ControlPlaneException(Problem problem, string message, string? field = null) : base(message)
    {
        Problem = problem;
        Field = field;
    }

    public Problem Problem { get; }
    public string? Field { get; }

    /// <summary>For 429: when to try again.</summary>
    public TimeSpan? RetryAfter { get; init; }

    public static ControlPlaneException Invalid(string field, string message) => new(Problem.Invalid, message, field);
    public static ControlPlaneException NotFound(string field, string message) => new(Problem.NotFound, message, field);
    public static ControlPlaneException Conflict(string? field, string message) => new(Problem.Conflict, message, field);
}
