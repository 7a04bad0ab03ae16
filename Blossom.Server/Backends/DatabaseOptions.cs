using System.ComponentModel.DataAnnotations;
using Microsoft.Extensions.Options;

namespace Blossom.Server;

/// <summary>The database of the metadata index.</summary>
public enum DatabaseProvider
{
    /// <summary>One file, nothing to run.</summary>
    Sqlite,
    /// <summary>PostgreSQL, which several server nodes can share.</summary>
    Postgres,
}

/// <summary><c>Blossom:Database</c>: the metadata index.</summary>
public sealed class DatabaseOptions : IValidatableObject
{
    public const string Section = "Blossom:Database";

    /// <summary>The default SQLite file, which a <c>Postgres</c> provider must not be left pointing at.</summary>
    public const string DefaultConnectionString = "Data Source=data/blossom.db";

    /// <summary>
    /// <c>Sqlite</c> (default: one file, nothing to run) or <c>Postgres</c>, which several server
    /// nodes can share.
    /// </summary>
    public DatabaseProvider Provider { get; set; } = DatabaseProvider.Sqlite;

    /// <summary>
    /// Default <c>Data Source=data/blossom.db</c>. With <c>Postgres</c>, an Npgsql connection
    /// string such as <c>Host=db;Username=blossom;Password=…;Database=blossom</c>.
    /// </summary>
    [Required]
    public string ConnectionString { get; set; } = DefaultConnectionString;

    private const string Example = "an Npgsql connection string such as Host=db;Username=blossom;Password=...;Database=blossom";

    /// <summary>With Postgres the SQLite default would be read as a host name: ask for a real connection string instead.</summary>
    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (Provider != DatabaseProvider.Postgres)
            yield break;
        if (ConnectionString == DefaultConnectionString)
        {
            yield return new($"Database:Provider=Postgres needs Database:ConnectionString set to {Example}.");
            yield break;
        }
        string? host;
        string? problem = null;
        try
        {
            host = new Npgsql.NpgsqlConnectionStringBuilder(ConnectionString).Host;
        }
        catch (ArgumentException e)
        {
            host = null;
            problem = $"Database:ConnectionString is not {Example}: {e.Message}";
        }
        if (problem is not null)
            yield return new(problem);
        else if (string.IsNullOrEmpty(host))
            yield return new($"Database:ConnectionString names no Host; Database:Provider=Postgres needs {Example}.");
    }
}

/// <summary>Checks <see cref="DatabaseOptions"/> at start-up: its attributes and its own rules, generated at build time.</summary>
[OptionsValidator]
internal sealed partial class DatabaseOptionsValidator : IValidateOptions<DatabaseOptions>;
