using Blossom.Core.Data;
using Blossom.Core.Ingest;

namespace Blossom.Server;

/// <summary>Brings the schema up to date, then lets the chunked-upload index drop what a previous run of this process left claimed.</summary>
internal sealed class DatabaseStartup(ISqlDatabase database, IChunkedUploadIndex partialUploads) : StartupStep
{
    public override async Task StartingAsync(CancellationToken cancellationToken)
    {
        await database.MigrateAsync(cancellationToken);
        await partialUploads.InitializeAsync(cancellationToken);
    }
}
