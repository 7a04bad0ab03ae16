namespace Blossom.Tests.Infrastructure;

/// <summary>The storage and database a test assembly runs all its servers on (see <see cref="BlossomApplication.Backend"/>).</summary>
internal interface ITestBackend
{
    /// <summary>
    /// <c>Blossom:*</c> settings for the server whose data folder is <paramref name="dataRoot"/>: a
    /// store and a database of its own, the same ones again for a server restarted on that folder.
    /// </summary>
    IReadOnlyDictionary<string, string?> Settings(string dataRoot);
}
