using Microsoft.Extensions.Logging;
using Npgsql;

namespace FeedbackDashboard.Tests.Infrastructure;

/// <summary>
/// Counts the round trips (commands and batches) a data source executes, from Npgsql's own "command execution
/// completed" log event: give it to <see cref="NpgsqlDataSourceBuilder.UseLoggerFactory"/>.
/// </summary>
public sealed class CommandCounter : ILoggerFactory, ILogger
{
    private int _count;

    public int Count => Volatile.Read(ref _count);

    public static NpgsqlDataSource DataSource(string connectionString, CommandCounter counter) =>
        new NpgsqlDataSourceBuilder(connectionString).UseLoggerFactory(counter).Build();

    public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
    {
        if (eventId.Id == NpgsqlEventId.CommandExecutionCompleted) Interlocked.Increment(ref _count);
    }

    public bool IsEnabled(LogLevel logLevel) => logLevel >= LogLevel.Information;
    public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;
    public ILogger CreateLogger(string categoryName) => this;
    public void AddProvider(ILoggerProvider provider) { }
    public void Dispose() { }
}
