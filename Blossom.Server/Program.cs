using Blossom.Server;
using Blossom.Server.Endpoints;
using Blossom.Server.Health;
using Blossom.Server.Http;
using Blossom.Server.Options;
using Microsoft.Extensions.Options;

// Operator commands run instead of the server.
if (CopyDataCommand.IsInvoked(args)) return await CopyDataCommand.RunAsync(args);

// The landing page ships beside the binaries, so it is found whatever the working directory.
var builder = WebApplication.CreateBuilder(new WebApplicationOptions { Args = args, WebRootPath = Path.Combine(AppContext.BaseDirectory, "wwwroot") });
builder.AddBlossomLogging();
builder.Services.AddBlossom(builder.Configuration);

var app = builder.Build();
await app.InitializeBlossomAsync();

// request → proxy headers → CORS → errors → landing page → per-IP limits → auth → per-pubkey limits → endpoints (one file per BUD)
app.UseBlossomForwardedHeaders();
app.UseCrossOriginHeaders();
app.UseBlossomErrorResponses();
app.UseDefaultFiles();
app.UseStaticFiles();
app.UseBlossomIpRateLimits();
app.UseAuthentication();
app.UseBlossomPubkeyRateLimits();
app.UseAuthorization();

var upload = app.Services.GetRequiredService<IOptions<UploadOptions>>().Value;
var list = app.Services.GetRequiredService<IOptions<ListOptions>>().Value;
var media = app.Services.GetRequiredService<IOptions<MediaOptions>>().Value;
var mirror = app.Services.GetRequiredService<IOptions<MirrorOptions>>().Value;
var matrix = app.Services.GetRequiredService<IOptions<MatrixOptions>>().Value;
app.MapBlossomHealthChecks();
app.MapOpenApi();
app.MapBlossomMetrics();
app.MapInfoEndpoints();
app.MapRetrievalEndpoints();
app.MapPreviewEndpoints();
app.MapUploadEndpoints(upload);
app.MapPathUploadEndpoints(upload);
app.MapChunkedUploadEndpoints(upload);
app.MapUploadRequirementsEndpoints(upload);
app.MapManagementEndpoints(list);
if (mirror.Enabled)
    app.MapMirrorEndpoints(upload);
app.MapReportEndpoints();
if (media.Enabled)
    app.MapMediaEndpoints(upload);
app.MapAdminEndpoints();
if (matrix.Enabled)
    app.MapMatrixMediaEndpoints();
if (matrix.Enabled && matrix.PreviewUrl.Enabled)
    app.MapMatrixPreviewUrlEndpoints();

await app.RunAsync();
return 0;

/// <summary>The entry point, visible to the integration tests' host factory.</summary>
public partial class Program;
