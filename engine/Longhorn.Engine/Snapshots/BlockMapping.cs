namespace Longhorn.Engine.Snapshots;

/// <summary>One changed region reported by a snapshot diff; <see cref="Size"/> is always the backup block size.</summary>
public readonly record struct BlockMapping(long Offset, long Size);
