namespace Longhorn.Simulator.S3;

/// <summary>An S3 error answer: its code, HTTP status and message, written as S3's XML error document.</summary>
public sealed class S3Error : Exception
{
    public S3Error(int status, string code, string message) : base(message)
    {
        Status = status;
        Code = code;
    }

    public int Status { get; }
    public string Code { get; }

    public static S3Error AccessDenied(string message = "Access Denied") => new(403, "AccessDenied", message);
    public static S3Error AuthorizationHeaderMalformed(string message) => new(400, "AuthorizationHeaderMalformed", message);
    public static S3Error AuthorizationQueryParametersError(string message) => new(400, "AuthorizationQueryParametersError", message);
    public static S3Error BadDigest(string message) => new(400, "BadDigest", message);
    public static S3Error BucketAlreadyOwnedByYou(string bucket) =>
        new(409, "BucketAlreadyOwnedByYou", $"Your previous request to create the named bucket succeeded and you already own it: {bucket}");
    public static S3Error BucketNotEmpty(string bucket) => new(409, "BucketNotEmpty", $"The bucket you tried to delete is not empty: {bucket}");
    public static S3Error EntityTooSmall(int part) =>
        new(400, "EntityTooSmall", $"Your proposed upload is smaller than the minimum allowed object size (part {part}).");
    public static S3Error IncompleteBody(string message) => new(400, "IncompleteBody", message);
    public static S3Error InternalError(string message = "We encountered an internal error. Please try again.") => new(500, "InternalError", message);
    public static S3Error InvalidAccessKeyId() =>
        new(403, "InvalidAccessKeyId", "The AWS Access Key Id you provided does not exist in our records.");
    public static S3Error InvalidArgument(string message) => new(400, "InvalidArgument", message);
    public static S3Error InvalidBucketName(string bucket) => new(400, "InvalidBucketName", $"The specified bucket is not valid: {bucket}");
    public static S3Error InvalidPart(string message) => new(400, "InvalidPart", message);
    public static S3Error InvalidPartOrder() =>
        new(400, "InvalidPartOrder", "The list of parts was not in ascending order. Parts must be ordered by part number.");
    public static S3Error InvalidRange() => new(416, "InvalidRange", "The requested range is not satisfiable");
    public static S3Error InvalidRequest(string message) => new(400, "InvalidRequest", message);
    public static S3Error KeyTooLong() => new(400, "KeyTooLongError", "Your key is too long");
    public static S3Error MalformedXml() =>
        new(400, "MalformedXML", "The XML you provided was not well-formed or did not validate against our published schema.");
    public static S3Error MethodNotAllowed() => new(405, "MethodNotAllowed", "The specified method is not allowed against this resource.");
    public static S3Error NoSuchBucket(string bucket) => new(404, "NoSuchBucket", $"The specified bucket does not exist: {bucket}");
    public static S3Error NoSuchKey(string key) => new(404, "NoSuchKey", $"The specified key does not exist: {key}");
    public static S3Error NoSuchUpload(string uploadId) =>
        new(404, "NoSuchUpload", $"The specified multipart upload does not exist: {uploadId}");
    public static S3Error NotImplemented(string what) => new(501, "NotImplemented", $"{what} is not implemented by this emulator.");
    public static S3Error RequestTimeTooSkewed() =>
        new(403, "RequestTimeTooSkewed", "The difference between the request time and the server's time is too large.");
    public static S3Error SignatureDoesNotMatch() => new(403, "SignatureDoesNotMatch",
        "The request signature we calculated does not match the signature you provided. Check your key and signing method.");
    public static S3Error SlowDown() => new(503, "SlowDown", "Please reduce your request rate.");
    public static S3Error ContentSha256Mismatch() =>
        new(400, "XAmzContentSHA256Mismatch", "The provided 'x-amz-content-sha256' header does not match what was computed.");
}
