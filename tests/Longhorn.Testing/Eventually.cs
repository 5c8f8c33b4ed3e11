namespace Longhorn.Testing;

/// <summary>Awaits a condition that another thread or process makes true; the timeout only bounds a hang.</summary>
public static class Eventually
{
    public static readonly TimeSpan HangLimit = TimeSpan.FromSeconds(60);

    public static async Task HoldsAsync(Func<Task<bool>> condition, string what, TimeSpan? limit = null)
    {
        using var hang = new CancellationTokenSource(limit ?? HangLimit);
        while (!await condition())
        {
            if (hang.IsCancellationRequested) throw new TimeoutException($"still waiting for {what} after {(limit ?? HangLimit).TotalSeconds} s");
            await Task.Delay(10, CancellationToken.None);
        }
    }

    public static Task HoldsAsync(Func<bool> condition, string what, TimeSpan? limit = null) =>
        HoldsAsync(() => Task.FromResult(condition()), what, limit);
}
