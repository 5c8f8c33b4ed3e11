namespace Longhorn.Functions.ControlPlane;

/// <summary>A resource whose work failed on a bug (not an expected failure); the HTTP edge answers it as a 500.</summary>
public sealed class InternalErrorException(string message) : Exception(message);
