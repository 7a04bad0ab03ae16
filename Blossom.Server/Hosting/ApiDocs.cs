using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.OpenApi;
using Microsoft.OpenApi;
using Scalar.AspNetCore;

namespace Blossom.Server;

/// <summary>
/// The API description: the OpenAPI document at <c>/openapi/v1.json</c>, and a browsable reference
/// of it at <c>/docs</c> (Scalar, whose script the server serves itself, so the page works without
/// reaching a CDN, and with its calls to Scalar's own services turned off). Routes behind Nostr tokens carry the <c>Nostr</c> security scheme, read from
/// the metadata their groups put on them, so the document cannot forget a route the server guards.
/// </summary>
internal static class ApiDocs
{
    /// <summary>The security scheme's name in the document.</summary>
    public const string NostrScheme = "Nostr";

    public static IServiceCollection AddBlossomApiDocs(this IServiceCollection services)
    {
        services.AddOpenApi(o =>
        {
            o.AddDocumentTransformer((document, _, _) =>
            {
                document.Info.Title = "Blossom server";
                document.Info.Description = "Blobs addressed by their sha256 (Blossom BUD-01 to BUD-14), media optimization, and the operator API.";
                document.Components ??= new OpenApiComponents();
                document.Components.SecuritySchemes ??= new Dictionary<string, IOpenApiSecurityScheme>();
                document.Components.SecuritySchemes[NostrScheme] = new OpenApiSecurityScheme
                {
                    Type = SecuritySchemeType.ApiKey,
                    In = ParameterLocation.Header,
                    Name = "Authorization",
                    Description = "`Nostr <base64 of a signed event>`: a kind 24242 event (BUD-11) whose `t` tag names the action "
                        + "(upload, media, delete, list, admin), with an `expiration` tag in the future; uploads and deletes name "
                        + "the blob's sha256 in an `x` tag. `node tools/nostr-auth.mjs` makes them.",
                };
                return Task.CompletedTask;
            });
            o.AddOperationTransformer(MarkNostrAuthorization);
        });
        return services;
    }

    /// <summary>The OpenAPI document, and the reference that reads it at <c>/docs</c>.</summary>
    public static WebApplication MapBlossomApiDocs(this WebApplication app)
    {
        app.MapOpenApi();
        // Nothing from elsewhere: no CDN fonts, no telemetry, no AI chat or MCP services of Scalar's.
        app.MapScalarApiReference("/docs", o => o.WithTitle("Blossom server API").DisableDefaultFonts().DisableTelemetry().DisableAgent().DisableMcp());
        return app;
    }

    /// <summary>
    /// Puts the scheme on an operation whose group asks for Nostr tokens, with the verbs they must
    /// carry; where tokens are optional (<c>Upload:RequireAuth=false</c>) an empty requirement says so.
    /// </summary>
    private static Task MarkNostrAuthorization(OpenApiOperation operation, OpenApiOperationTransformerContext context, CancellationToken cancellationToken)
    {
        var metadata = context.Description.ActionDescriptor.EndpointMetadata;
        // Reads carry the metadata too (a token, when sent, names a chunked upload's owner) but no policy: no scheme there.
        var policies = metadata.OfType<IAuthorizeData>().Select(a => a.Policy).ToList();
        if (metadata.OfType<NostrAuthorizationMetadata>().LastOrDefault() is not { } nostr || policies.Count == 0)
            return Task.CompletedTask;
        operation.Security ??= [];
        operation.Security.Add(new OpenApiSecurityRequirement { [new OpenApiSecuritySchemeReference(NostrScheme, context.Document)] = [] });
        var optional = policies.All(p => p == NostrAuthorization.OptionalUploaderPolicy);
        if (optional)
            operation.Security.Add(new OpenApiSecurityRequirement());
        var token = $"{(optional ? "Optional token" : "Token")}: `t` = {string.Join(" or ", nostr.Verbs)}.";
        operation.Description = operation.Description is { Length: > 0 } described ? $"{described}\n\n{token}" : token;
        return Task.CompletedTask;
    }
}
