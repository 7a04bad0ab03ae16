namespace Blossom.Core.Auth;

/// <summary>The <c>t</c> tag values of BUD-11.</summary>
public static class AuthorizationVerb
{
    public const string Get = "get";
    public const string Upload = "upload";
    public const string List = "list";
    public const string Delete = "delete";
    public const string Media = "media";

    /// <summary>Not a BUD-11 verb: this server's own, for its operator API under <c>/admin</c>.</summary>
    public const string Admin = "admin";
}

/// <summary>Whether an endpoint needs <c>x</c> tags (BUD-11, "Endpoint Authorization Requirements").</summary>
public enum XTagRule
{
    /// <summary>No blob is implied; <c>x</c> tags are ignored.</summary>
    NotApplicable,
    /// <summary>When the token has <c>x</c> tags, one must match the implied blob.</summary>
    Optional,
    /// <summary>The token must carry an <c>x</c> tag matching the implied blob.</summary>
    Required,
}

/// <summary>What the endpoint being called asks of a token.</summary>
/// <param name="Verbs">Accepted <c>t</c> values (usually one).</param>
/// <param name="XTags">The <c>x</c> tag rule of the endpoint.</param>
/// <param name="ImpliedHash">The blob hash the request names, when it is known before the body is read.</param>
/// <param name="ServerNames">
/// The host names the operator gave this server, compared with <c>server</c> tags; never taken from
/// the request, whose <c>Host</c> the client chooses. Empty: tokens scoped to a server are refused.
/// </param>
public sealed record AuthorizationRequest(IReadOnlyList<string> Verbs, XTagRule XTags, string? ImpliedHash, IReadOnlyCollection<string> ServerNames);
