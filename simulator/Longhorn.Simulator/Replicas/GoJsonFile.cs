using Longhorn.Engine.Format;

namespace Longhorn.Simulator.Replicas;

/// <summary>Reads a replica metadata file with the engine's Go-compatible JSON reader, naming the file in errors.</summary>
internal static class GoJsonFile
{
    public static T Parse<T>(ReadOnlySpan<byte> utf8, string what, Func<GoJsonObject, T> read)
    {
        try
        {
            return GoJsonObject.Parse(utf8, read);
        }
        catch (FormatException e)
        {
            throw new InvalidDataException($"{what}: {e.Message}", e);
        }
    }
}
