using Blossom.Core.Matrix;
using Dapper;

namespace Blossom.Core.Data;

/// <summary>The Matrix quarantine's SQL, the same statements in SQLite and PostgreSQL; a whole server is the row with an empty media id.</summary>
public sealed class SqlMatrixQuarantine(ISqlDatabase database) : IMatrixQuarantine
{
    private const string WholeServer = "";

    public async Task<bool> AddAsync(string serverName, string? mediaId, string? reason, DateTimeOffset at, CancellationToken cancellationToken)
    {
        var connection = await database.OpenAsync(cancellationToken);
        await using (connection)
        {
            return await connection.ExecuteAsync(new CommandDefinition(
                "INSERT INTO matrix_quarantine (server_name, media_id, reason, created) VALUES (@serverName, @mediaId, @reason, @created) " +
                "ON CONFLICT (server_name, media_id) DO NOTHING",
                new { serverName, mediaId = mediaId ?? WholeServer, reason, created = at.ToUnixTimeMilliseconds() }, cancellationToken: cancellationToken)) == 1;
        }
    }

    public async Task<bool> RemoveAsync(string serverName, string? mediaId, CancellationToken cancellationToken)
    {
        var connection = await database.OpenAsync(cancellationToken);
        await using (connection)
        {
            return await connection.ExecuteAsync(new CommandDefinition(
                "DELETE FROM matrix_quarantine WHERE server_name = @serverName AND media_id = @mediaId",
                new { serverName, mediaId = mediaId ?? WholeServer }, cancellationToken: cancellationToken)) == 1;
        }
    }

    public async Task<bool> IsQuarantinedAsync(string serverName, string mediaId, CancellationToken cancellationToken)
    {
        var connection = await database.OpenAsync(cancellationToken);
        await using (connection)
        {
            return await connection.ExecuteScalarAsync<bool>(new CommandDefinition(
                "SELECT EXISTS (SELECT 1 FROM matrix_quarantine WHERE server_name = @serverName AND media_id IN (@mediaId, @wholeServer))",
                new { serverName, mediaId, wholeServer = WholeServer }, cancellationToken: cancellationToken));
        }
    }

    public async Task<IReadOnlyList<MatrixQuarantined>> ListAsync(CancellationToken cancellationToken)
    {
        var connection = await database.OpenAsync(cancellationToken);
        await using (connection)
        {
            var rows = await connection.QueryAsync<(string ServerName, string MediaId, string? Reason, long Created)>(new CommandDefinition(
                "SELECT server_name, media_id, reason, created FROM matrix_quarantine ORDER BY server_name, media_id", cancellationToken: cancellationToken));
            return [.. rows.Select(r => new MatrixQuarantined(r.ServerName, r.MediaId.Length == 0 ? null : r.MediaId, r.Reason, DateTimeOffset.FromUnixTimeMilliseconds(r.Created)))];
        }
    }
}
