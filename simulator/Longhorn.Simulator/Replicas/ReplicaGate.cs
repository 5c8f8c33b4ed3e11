namespace Longhorn.Simulator.Replicas;

/// <summary>
/// Lets data I/O run side by side while a structural change (snapshot, purge, revert, restore) runs alone.
/// Shared holders take one slot; the exclusive holder takes them all, one at a time, behind a turnstile.
/// </summary>
internal sealed class ReplicaGate
{
    // More concurrent readers and writers than this simply wait for a slot.
    private const int Slots = 256;

    private readonly SemaphoreSlim _slots = new(Slots, Slots);
    private readonly SemaphoreSlim _turnstile = new(1, 1);

    public async ValueTask<Pass> EnterSharedAsync(CancellationToken cancellationToken)
    {
        await _slots.WaitAsync(cancellationToken).ConfigureAwait(false);
        return new Pass(this, 1);
    }

    public async ValueTask<Pass> EnterExclusiveAsync(CancellationToken cancellationToken)
    {
        await _turnstile.WaitAsync(cancellationToken).ConfigureAwait(false);
        var taken = 0;
        try
        {
            for (; taken < Slots; taken++)
            {
                await _slots.WaitAsync(cancellationToken).ConfigureAwait(false);
            }
        }
        catch
        {
            if (taken > 0)
            {
                _slots.Release(taken);
            }

            _turnstile.Release();
            throw;
        }

        return new Pass(this, Slots);
    }

    /// <summary>Held while inside the gate; disposing it leaves.</summary>
    public readonly struct Pass(ReplicaGate gate, int slots) : IDisposable
    {
        public void Dispose()
        {
            gate._slots.Release(slots);
            if (slots == Slots)
            {
                gate._turnstile.Release();
            }
        }
    }
}
