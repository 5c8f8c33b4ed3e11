namespace Longhorn.Engine.Store;

/// <summary>
/// A driver that lists every file below a directory at once, a page of <see cref="TreePageSize"/> names a request
/// (S3's ListObjectsV2 without a delimiter), where a walk one level at a time would cost a request a directory.
/// </summary>
public interface ITreeListingDriver
{
    /// <summary>Names a listing request returns at most.</summary>
    int TreePageSize { get; }

    /// <summary>Paths of the files below the directory, relative to it (<c>ab/cd/…blk</c>); empty when it is missing.</summary>
    ValueTask<IReadOnlyList<string>> ListTreeAsync(string path, CancellationToken cancellationToken);
}
