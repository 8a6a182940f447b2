using Microsoft.Extensions.Logging;

namespace EdgeSplit.Cli;

/// <summary>
/// The agent's log lines on stderr, one per event: warnings always, everything with <c>--verbose</c>. A console logging package would pull a
/// hosting-sized dependency graph into a phone-side CLI for one feature; this is all it needs.
/// </summary>
internal sealed class StderrLogger(TextWriter error, string category, LogLevel minimum) : ILogger, ILoggerProvider, ILoggerFactory
{
    public IDisposable? BeginScope<TState>(TState state)
        where TState : notnull => null;

    public bool IsEnabled(LogLevel logLevel) => logLevel >= minimum;

    public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
    {
        if (IsEnabled(logLevel))
        {
            lock (error)
            {
                error.WriteLine($"{logLevel.ToString().ToLowerInvariant()[..4]}: {category}: {formatter(state, exception)}");
            }
        }
    }

    public ILogger CreateLogger(string categoryName) => new StderrLogger(error, categoryName[(categoryName.LastIndexOf('.') + 1)..], minimum);

    public void AddProvider(ILoggerProvider provider)
    {
    }

    public void Dispose()
    {
    }
}
