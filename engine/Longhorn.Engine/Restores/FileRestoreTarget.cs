using Longhorn.Engine.Snapshots;
using Microsoft.Win32.SafeHandles;

namespace Longhorn.Engine.Restores;

/// <summary>Restores into a plain sparse image file (the engine's <c>restore-to-file</c>).</summary>
public sealed class FileRestoreTarget : IRestoreTarget, IDisposable
{
    private readonly string _path;
    private SafeFileHandle? _handle;
    private byte[]? _zeros;

    public FileRestoreTarget(string path) => _path = path;

    public ValueTask PrepareAsync(long size, CancellationToken cancellationToken)
    {
        _handle?.Dispose();
        _handle = File.OpenHandle(_path, FileMode.Create, FileAccess.ReadWrite, FileShare.Read, FileOptions.Asynchronous);
        RandomAccess.SetLength(_handle, size);
        return ValueTask.CompletedTask;
    }

    public ValueTask WriteAsync(long offset, ReadOnlyMemory<byte> data, CancellationToken cancellationToken) =>
        RandomAccess.WriteAsync(Handle, data, offset, cancellationToken);

    public async ValueTask FillZerosAsync(long offset, long length, CancellationToken cancellationToken)
    {
        _zeros ??= new byte[1 << 20];
        for (long done = 0; done < length; done += _zeros.Length)
            await RandomAccess.WriteAsync(Handle, _zeros.AsMemory(0, (int)Math.Min(_zeros.Length, length - done)), offset + done,
                cancellationToken).ConfigureAwait(false);
    }

    public void Dispose() => _handle?.Dispose();

    private SafeFileHandle Handle => _handle ?? throw new InvalidOperationException("the restore target was not prepared");
}
