namespace Longhorn.Simulator.S3;

/// <summary>A request whose SigV4 signature checked out: who signed it, and what aws-chunked bodies are verified with.</summary>
public sealed record SignedRequest(string AccessKey, byte[] SigningKey, string AmzDate, string Scope, string Signature, string PayloadHash);
