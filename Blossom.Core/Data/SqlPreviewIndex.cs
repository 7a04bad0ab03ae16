using System.Data.Common;
using Blossom.Core.Previews;
using Dapper;

namespace Blossom.Core.Data;

/// <summary>All SQL about previews: SQLite and PostgreSQL run the same statements.</summary>
public sealed class SqlPreviewIndex(ISqlDatabase database) : IPreviewIndex
{
    private const string Key = "source_sha256 = @Source AND width = @Width AND height = @Height AND method = @Method AND format = @Format AND animated = @Animated";

    public async Task<string?> FindAsync(string sourceSha256, PreviewSpec spec, CancellationToken cancellationToken)
    {
        var connection = await database.OpenAsync(cancellationToken);
        await using (connection)
        {
            return await connection.QuerySingleOrDefaultAsync<string>(new CommandDefinition(
                $"SELECT preview_sha256 FROM previews WHERE {Key}", Row.Of(sourceSha256, spec), cancellationToken: cancellationToken));
        }
    }

    public async Task AddAsync(string sourceSha256, PreviewSpec spec, string previewSha256, CancellationToken cancellationToken)
    {
        var connection = await database.OpenAsync(cancellationToken);
        await using (connection)
        {
            // A row that names another blob is replaced: the preview was made again (its blob had gone,
            // or the engine draws it differently now), and the new one is what exists.
            await connection.ExecuteAsync(new CommandDefinition(
                "INSERT INTO previews (source_sha256, width, height, method, format, animated, preview_sha256) " +
                "VALUES (@Source, @Width, @Height, @Method, @Format, @Animated, @Preview) " +
                "ON CONFLICT (source_sha256, width, height, method, format, animated) DO UPDATE SET preview_sha256 = excluded.preview_sha256",
                Row.Of(sourceSha256, spec) with { Preview = previewSha256 }, cancellationToken: cancellationToken));
        }
    }

    public async Task<IReadOnlyList<StoredPreview>> ForSourceAsync(string sourceSha256, CancellationToken cancellationToken)
    {
        var connection = await database.OpenAsync(cancellationToken);
        await using (connection)
        {
            var rows = await connection.QueryAsync<Row>(new CommandDefinition(
                "SELECT source_sha256 AS Source, width AS Width, height AS Height, method AS Method, format AS Format, animated AS Animated, preview_sha256 AS Preview " +
                "FROM previews WHERE source_sha256 = @sourceSha256 ORDER BY width, height, method, format, animated",
                new { sourceSha256 }, cancellationToken: cancellationToken));
            return [.. rows.Select(r => new StoredPreview(r.Spec, r.Preview!))];
        }
    }

    public async Task<IReadOnlyList<string>> RemoveForSourceAsync(string sourceSha256, CancellationToken cancellationToken)
    {
        var connection = await database.OpenAsync(cancellationToken);
        await using (connection)
        {
            return (await connection.QueryAsync<string>(new CommandDefinition(
                "DELETE FROM previews WHERE source_sha256 = @sourceSha256 RETURNING preview_sha256",
                new { sourceSha256 }, cancellationToken: cancellationToken))).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToList();
        }
    }

    public async Task<bool> IsPreviewAsync(string previewSha256, CancellationToken cancellationToken)
    {
        var connection = await database.OpenAsync(cancellationToken);
        await using (connection)
        {
            return await connection.ExecuteScalarAsync<bool>(new CommandDefinition(
                "SELECT EXISTS (SELECT 1 FROM previews WHERE preview_sha256 = @previewSha256)", new { previewSha256 }, cancellationToken: cancellationToken));
        }
    }

    /// <summary>A row of <c>previews</c>, the spec spelled as stored: lowercase names, animation as 0 or 1.</summary>
    private sealed record Row(string Source, long Width, long Height, string Method, string Format, long Animated, string? Preview = null)
    {
        public static Row Of(string source, PreviewSpec spec) => new(source, spec.Width, spec.Height,
            spec.Method.ToString().ToLowerInvariant(), spec.Format.ToString().ToLowerInvariant(), spec.Animated ? 1 : 0);

        public PreviewSpec Spec => new((int)Width, (int)Height, Enum.Parse<PreviewMethod>(Method, ignoreCase: true), Enum.Parse<PreviewFormat>(Format, ignoreCase: true), Animated != 0);
    }
}
