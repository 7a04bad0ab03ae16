using Microsoft.Extensions.Options;

namespace Blossom.Server;

/// <summary>
/// The one rule across two sections: a web-only node (<c>Media:Workers=0</c>) hands its tasks to the others
/// through the queue they share; alone, its tasks would never run.
/// </summary>
internal sealed class MediaWorkersValidator(IOptions<DatabaseOptions> database) : IValidateOptions<MediaOptions>
{
    public ValidateOptionsResult Validate(string? name, MediaOptions options) =>
        options.Enabled && options.Workers == 0 && database.Value.Provider != DatabaseProvider.Postgres
            ? ValidateOptionsResult.Fail("Media:Workers=0 makes a web-only node whose tasks other nodes run; that needs the queue they share, Database:Provider=Postgres. Set Media:Workers to 1 or more, or Media:Enabled=false.")
            : ValidateOptionsResult.Success;
}
