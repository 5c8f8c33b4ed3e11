namespace Longhorn.Simulator.Tests.Replicas;

/// <summary>A fresh directory under the system temp dir (ext4 here, so SEEK_DATA and hole punching work), deleted on dispose.</summary>
internal sealed class TempDirectory : IDisposable
{
    public string Path { get; } = Directory.CreateTempSubdirectory("lh-replica-test-").FullName;

    public string Sub(string name) => System.IO.Path.Combine(Path, name);

    public void Dispose()
    {
        try
        {
            Directory.Delete(Path, recursive: true);
        }
        catch (IOException)
        {
            // A leftover temp dir must not fail the test that already ran.
        }
    }
}
