using System.Buffers;
using Blossom.Core.Blobs;

namespace Blossom.Server;

/// <summary>
/// The path <c>/&lt;sha256&gt;[.ext]</c> (BUD-01): any extension is accepted and ignored; the
/// blob's own type is what is served.
/// </summary>
internal sealed class BlobRoute : IRouteConstraint
{
    /// <summary>How refusals name the hash of a <c>PUT</c>/<c>PATCH /&lt;sha256&gt;</c> path.</summary>
    internal const string PathHashName = "The sha256 in the path";

    // A malformed path names no hash a token could: the token then passes on its verb alone and
    // the handler answers 400, rather than a 401 that blames the token's x tags.
    public static string? PathHash(HttpRequest request) =>
        request.RouteValues[Parameter] is string path ? BlobAddressRoute.ValidHashOf(path) : null;

    public const string ConstraintName = "blob";
    public const string Parameter = "blob";
    public const string Pattern = "/{" + Parameter + ":" + ConstraintName + "}";

    private static readonly SearchValues<char> Hex = SearchValues.Create("0123456789abcdefABCDEF");

    public bool Match(HttpContext? httpContext, IRouter? route, string routeKey, RouteValueDictionary values, RouteDirection routeDirection) =>
        values.TryGetValue(routeKey, out var value) && value is string path && IsBlobPath(path);

    /// <summary>The lowercase hash a matched path names.</summary>
    public static string HashOf(string path) => path[..BlobHash.HexLength].ToLowerInvariant();

    private static bool IsBlobPath(string path) =>
        IsAddressPath(path) && !path.AsSpan(0, BlobHash.HexLength).ContainsAnyExcept(Hex);

    /// <summary>64 characters, then nothing or a non-empty <c>.ext</c>: the shape of a blob's address, whatever the characters.</summary>
    internal static bool IsAddressPath(string path) =>
        path.Length >= BlobHash.HexLength
        && !path.AsSpan(0, BlobHash.HexLength).Contains('.')
        && (path.Length == BlobHash.HexLength || (path[BlobHash.HexLength] == '.' && path.Length > BlobHash.HexLength + 1));
}

/// <summary>
/// A path shaped like <c>/&lt;sha256&gt;[.ext]</c> whose 64 characters need not be hex: a write to
/// it is answered with why its hash is malformed, not with a 404 that reads like a missing route.
/// </summary>
internal sealed class BlobAddressRoute : IRouteConstraint
{
    public const string ConstraintName = "blobaddress";
    public const string Pattern = "/{" + BlobRoute.Parameter + ":" + ConstraintName + "}";

    public bool Match(HttpContext? httpContext, IRouter? route, string routeKey, RouteValueDictionary values, RouteDirection routeDirection) =>
        values.TryGetValue(routeKey, out var value) && value is string path && BlobRoute.IsAddressPath(path);

    /// <summary>The hash a matched path names, when it is a well-formed (lowercase hex) one.</summary>
    public static string? ValidHashOf(string path) => path[..BlobHash.HexLength] is var hash && BlobHash.IsValid(hash) ? hash : null;
}
