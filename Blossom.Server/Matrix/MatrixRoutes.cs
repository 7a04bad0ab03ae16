namespace Blossom.Server;

/// <summary>Where the Matrix media routes live: the media endpoints and <c>preview_url</c> share both prefixes.</summary>
internal static class MatrixRoutes
{
    /// <summary>The legacy media API, where reads need no token and tokens may come as <c>access_token</c>.</summary>
    public const string LegacyPrefix = "/_matrix/media/v3";

    /// <summary>Matrix 1.11's authenticated media API: every request needs a token, in the header.</summary>
    public const string AuthenticatedPrefix = "/_matrix/client/v1/media";
}
