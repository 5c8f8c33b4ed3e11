namespace Longhorn.Engine.Checks;

/// <summary>What a store check covers (restic's <c>check</c> and <c>prune</c>): the whole store or one backup volume.</summary>
public sealed record StoreCheckRequest
{
    /// <summary>The one backup volume to check; null checks every volume of the store.</summary>
    public string? VolumeName { get; init; }

    /// <summary>Also read every referenced block, decode it and compare its content with its id (restic's <c>--read-data</c>).</summary>
    public bool ReadData { get; init; }

    /// <summary>Remove orphan blocks, per volume under a deletion lock and only when block GC's every abort rule allows it.</summary>
    public bool Prune { get; init; }
}
