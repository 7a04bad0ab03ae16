using System.Text.Json.Serialization;

namespace Blossom.Server;

/// <summary><c>POST upload</c>: where the media now is.</summary>
public sealed record MatrixContentUri([property: JsonPropertyName("content_uri")] string ContentUri);

/// <summary><c>POST create</c> (MSC2246): the id to upload to, and until when (ms since the epoch).</summary>
public sealed record MatrixCreatedContent(
    [property: JsonPropertyName("content_uri")] string ContentUri,
    [property: JsonPropertyName("unused_expires_at")] long UnusedExpiresAt);

/// <summary><c>PUT upload/{serverName}/{mediaId}</c>: the spec's empty object.</summary>
public sealed record MatrixEmptyObject;

/// <summary><c>GET config</c>: the largest upload.</summary>
public sealed record MatrixMediaConfig([property: JsonPropertyName("m.upload.size")] long UploadSize);

/// <summary>
/// The Matrix routes' JSON bodies. Their names are written on them: a handler's result is written with the
/// HTTP JSON options, whose camelCase policy would win over a policy given here.
/// </summary>
[JsonSerializable(typeof(MatrixErrorBody))]
[JsonSerializable(typeof(MatrixContentUri))]
[JsonSerializable(typeof(MatrixCreatedContent))]
[JsonSerializable(typeof(MatrixEmptyObject))]
[JsonSerializable(typeof(MatrixMediaConfig))]
internal sealed partial class MatrixJsonContext : JsonSerializerContext;
