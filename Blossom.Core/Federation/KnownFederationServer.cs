namespace Blossom.Core.Federation;

/// <summary>
/// A server name mapped to a base URL by configuration (private federations, tests): no discovery, no
/// <c>Host</c> override (the <c>Host</c> header is the URL's authority).
/// </summary>
public sealed record KnownFederationServer(string Name, Uri Url);
