using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;

namespace Longhorn.Engine.Tests.Support;

/// <summary>An ILogger that keeps every formatted message, to check what was logged (retries with their keys).</summary>
public sealed class CapturingLogger : ILogger
{
    public ConcurrentQueue<string> Messages { get; } = new();

    public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

    public bool IsEnabled(LogLevel logLevel) => true;

    public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
        Messages.Enqueue(formatter(state, exception));
}
