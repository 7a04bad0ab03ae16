using System.Globalization;

namespace Blossom.Core.Data;

/// <summary>A numbered schema change: <c>NNN_name.sql</c>, applied once, in order.</summary>
public sealed record Migration(int Version, string Name, string Sql);

/// <summary>The <c>NNN_name.sql</c> scripts embedded in this assembly under one folder, in version order.</summary>
public static class EmbeddedMigrations
{
    /// <param name="folder">The resource prefix of the folder, e.g. <c>Blossom.Core.Data.Sqlite.Migrations.</c>.</param>
    public static IReadOnlyList<Migration> Load(string folder)
    {
        var assembly = typeof(EmbeddedMigrations).Assembly;
        var migrations = new List<Migration>();
        foreach (var resource in assembly.GetManifestResourceNames().Where(n => n.StartsWith(folder, StringComparison.Ordinal)).Order(StringComparer.Ordinal))
        {
            var name = resource[folder.Length..];
            var version = int.Parse(name.AsSpan(0, 3), NumberStyles.None, CultureInfo.InvariantCulture);
            using var reader = new StreamReader(assembly.GetManifestResourceStream(resource)!);
            migrations.Add(new Migration(version, name, reader.ReadToEnd()));
        }
        if (migrations.Select(m => m.Version).Distinct().Count() != migrations.Count)
            throw new InvalidOperationException($"Two migrations under {folder} share a number.");
        return migrations;
    }
}
