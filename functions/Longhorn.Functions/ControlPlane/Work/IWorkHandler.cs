namespace Longhorn.Functions.ControlPlane.Work;

/// <summary>Does one kind of background work for a named resource; must be safe to run again (resumed after a restart).</summary>
public interface IWorkHandler
{
    WorkKind Kind { get; }

    Task RunAsync(string name, CancellationToken cancellationToken);
}
