using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;

namespace Blossom.Tests.Infrastructure;

/// <summary>
/// One log entry the server wrote, as the configured filters let it through. Tests assert on its
/// category, level, event and <see cref="State"/> (the message's named values), which stay when a
/// message is reworded; <see cref="Message"/> is for failure output.
/// </summary>
internal sealed record LogEntry(string Category, LogLevel Level, EventId EventId, string Message, Exception? Exception, IReadOnlyDictionary<string, object?> State)
{
    /// <summary>The named value <paramref name="name"/> of the message (<c>{Count}</c> is <c>Count</c>) as text, or null.</summary>
    public string? Value(string name) => Convert.ToString(State.GetValueOrDefault(name), System.Globalization.CultureInfo.InvariantCulture);
}

/// <summary>Collects what the server logs, so a test can assert what an operator would read.</summary>
internal sealed class LogCapture : ILoggerProvider
{
    private readonly ConcurrentQueue<LogEntry> _entries = new();

    public IReadOnlyList<LogEntry> Entries => [.. _entries];

    public ILogger CreateLogger(string categoryName) => new Logger(this, categoryName);

    public void Dispose()
    {
    }

    private sealed class Logger(LogCapture capture, string category) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => logLevel != LogLevel.None;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
            capture._entries.Enqueue(new LogEntry(category, logLevel, eventId, formatter(state, exception), exception, NamedValues(state)));

        private static Dictionary<string, object?> NamedValues<TState>(TState state) =>
            state is IEnumerable<KeyValuePair<string, object?>> values
                ? values.Where(v => v.Key != "{OriginalFormat}").ToDictionary(v => v.Key, v => v.Value, StringComparer.Ordinal)
                : [];
    }
}
