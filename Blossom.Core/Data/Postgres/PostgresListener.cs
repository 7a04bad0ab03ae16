using System.Collections.Concurrent;
using System.Collections.Immutable;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace Blossom.Core.Data.Postgres;

/// <summary>
/// One dedicated connection that <c>LISTEN</c>s on a few channels and hands each notification to
/// the handlers of its channel. When the connection breaks it connects again, and tells every
/// handler (with a null payload) that notifications may have been missed meanwhile.
/// </summary>
public sealed partial class PostgresListener : IAsyncDisposable
{
    // How long the connection may stay silent before a query proves it still works.
    private static readonly TimeSpan Probe = TimeSpan.FromSeconds(30);
    private static readonly TimeSpan Reconnect = TimeSpan.FromSeconds(1);

    private readonly PostgresDatabase _database;
    private readonly IReadOnlyList<string> _channels;
    private readonly ILogger _logger;
    private readonly TimeProvider _time;
    private readonly ConcurrentDictionary<string, ImmutableList<Action<string?>>> _handlers = new(StringComparer.Ordinal);
    private readonly CancellationTokenSource _stop = new();
    private NpgsqlConnection? _connection;
    private Task _loop = Task.CompletedTask;

    public PostgresListener(PostgresDatabase database, IReadOnlyList<string> channels, TimeProvider time, ILogger<PostgresListener> logger)
    {
        ArgumentNullException.ThrowIfNull(channels);
        (_database, _channels, _time, _logger) = (database, channels, time, logger);
        foreach (var channel in channels)
            _handlers[channel] = [];
    }

    /// <summary>
    /// Calls <paramref name="handler"/> with each payload sent to <paramref name="channel"/> (one of
    /// the channels this listener was made with), and with null after a reconnect.
    /// </summary>
    public void Subscribe(string channel, Action<string?> handler)
    {
        if (!_handlers.ContainsKey(channel))
            throw new ArgumentException($"This listener does not listen on {channel}.", nameof(channel));
        _handlers.AddOrUpdate(channel, _ => [handler], (_, current) => current.Add(handler));
    }

    /// <summary>Connects and listens; a database that cannot be reached fails the start-up.</summary>
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        _connection = await ConnectAsync(cancellationToken);
        _loop = ListenAsync(_stop.Token);
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        try
        {
            await _loop;
        }
        catch (OperationCanceledException)
        {
            // Stopped as asked.
        }
        if (_connection is not null)
            await _connection.DisposeAsync();
        _stop.Dispose();
    }

    private async Task<NpgsqlConnection> ConnectAsync(CancellationToken cancellationToken)
    {
        var connection = await _database.OpenAsync(cancellationToken);
        try
        {
            connection.Notification += (_, e) => Dispatch(e.Channel, e.Payload);
            foreach (var channel in _channels)
            {
                await using var command = new NpgsqlCommand($"LISTEN \"{channel}\"", connection);
                await command.ExecuteNonQueryAsync(cancellationToken);
            }
            return connection;
        }
        catch
        {
            await connection.DisposeAsync();
            throw;
        }
    }

    private async Task ListenAsync(CancellationToken stopping)
    {
        while (true)
        {
            try
            {
                if (_connection is null)
                {
                    _connection = await ConnectAsync(stopping);
                    LogReconnected();
                    // Whatever was sent while nobody listened is lost: every waiter reads again.
                    foreach (var channel in _channels)
                        Dispatch(channel, null);
                }
                if (!await _connection.WaitAsync(Probe, stopping))
                {
                    await using var probe = new NpgsqlCommand("SELECT 1", _connection);
                    await probe.ExecuteScalarAsync(stopping);
                }
            }
            catch (Exception e) when (!stopping.IsCancellationRequested)
            {
                LogLost(e);
                if (_connection is not null)
                    await _connection.DisposeAsync();
                _connection = null;
                await Task.Delay(Reconnect, _time, stopping);
            }
        }
    }

    private void Dispatch(string channel, string? payload)
    {
        if (!_handlers.TryGetValue(channel, out var handlers))
            return;
        foreach (var handler in handlers)
        {
            try
            {
                handler(payload);
            }
            // A handler's failure (one whose owner is being disposed at shutdown, say) is its own:
            // the connection and the other handlers go on.
            catch (Exception e)
            {
                LogHandlerFailed(e, channel);
            }
        }
    }

    [LoggerMessage(EventId = 70, Level = LogLevel.Warning, Message = "Postgres: the notification connection broke; connecting again")]
    private partial void LogLost(Exception exception);

    [LoggerMessage(EventId = 73, Level = LogLevel.Warning, Message = "Postgres: a handler of {Channel} failed")]
    private partial void LogHandlerFailed(Exception exception, string channel);

    [LoggerMessage(EventId = 71, Level = LogLevel.Information, Message = "Postgres: the notification connection is back")]
    private partial void LogReconnected();
}
