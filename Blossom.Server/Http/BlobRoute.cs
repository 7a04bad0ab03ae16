using System.Buffers;
using Blossom.Core.Blobs;

namespace Blossom.Server.Http;

/// <summary>
/// The path <c>/&lt;sha256&gt;[.ext]</c> (BUD-01): any extension is accepted and ignored; the
/// blob's own type is what is served.
/// </summary>
internal sealed class BlobRoute : IRouteConstraint
{
    public const string ConstraintName = "blob";
    public const string Parameter = "blob";
    public const string Pattern = "/{" + Parameter + ":" + ConstraintName + "}";

    private static readonly SearchValues<char> Hex = SearchValues.Create("0123456789abcdefABCDEF");

    public bool Match(HttpContext? httpContext, IRouter? route, string routeKey, RouteValueDictionary values, RouteDirection routeDirection) =>
        values.TryGetValue(routeKey, out var value) && value is string path && IsBlobPath(path);

    /// <summary>The lowercase hash a matched path names.</summary>
    public static string HashOf(string path) => path[..BlobHash.HexLength].ToLowerInvariant();

    private static bool IsBlobPath(string path) =>
        path.Length >= BlobHash.HexLength
        && !path.AsSpan(0, BlobHash.HexLength).ContainsAnyExcept(Hex)
        && (path.Length == BlobHash.HexLength || (path[BlobHash.HexLength] == '.' && path.Length > BlobHash.HexLength + 1));
}
