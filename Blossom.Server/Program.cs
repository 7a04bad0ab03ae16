using Blossom.Server;

// Operator commands run instead of the server.
if (CopyDataCommand.IsInvoked(args)) return await CopyDataCommand.RunAsync(args);

// The landing page ships beside the binaries, so it is found whatever the working directory.
var builder = WebApplication.CreateBuilder(new WebApplicationOptions { Args = args, WebRootPath = Path.Combine(AppContext.BaseDirectory, "wwwroot") });

// A request's way: hosting (proxy headers, CORS, errors, limits) → auth → a feature's endpoints → ingest →
// store and index (backends) → media queue → worker → blob. Each feature lives in its folder.
builder.AddBlossomHosting();
builder.AddBlossomBackends();
builder.AddBlossomAuth();
builder.AddBlossomBlobs();
builder.AddBlossomChunkedUploads();
builder.AddBlossomMedia();
builder.AddBlossomPreviews();
builder.AddBlossomMirror();
builder.AddBlossomModeration();
builder.AddBlossomRetention();
builder.AddBlossomMatrix();

var app = builder.Build();
app.UseBlossomHosting();
app.UseBlossomAuth();

app.MapBlossomHosting();
app.MapInfoEndpoints();
app.MapBlossomBlobs();
app.MapBlossomPreviews();
app.MapBlossomChunkedUploads();
app.MapBlossomMirror();
app.MapBlossomModeration();
app.MapBlossomRetention();
app.MapBlossomMedia();
app.MapBlossomMatrix();

await app.RunAsync();
return 0;

/// <summary>The entry point, visible to the integration tests' host factory.</summary>
public partial class Program;
