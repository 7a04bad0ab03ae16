using System.Buffers.Text;
using System.Globalization;
using System.Text.Json;
using Blossom.Core.Blobs;

namespace Blossom.Core.Auth;

/// <summary>A kind 24242 authorization token (BUD-11) that passed every check for one request.</summary>
public sealed class AuthorizationEvent
{
    public const int Kind = 24242;
    public const string Scheme = "Nostr";

    private AuthorizationEvent(NostrEvent nostrEvent)
    {
        Event = nostrEvent;
        BlobHashes = nostrEvent.TagValues("x").ToHashSet(StringComparer.Ordinal);
    }

    public NostrEvent Event { get; }

    public string Pubkey => Event.Pubkey;

    /// <summary>The lowercase hex hashes of the token's <c>x</c> tags.</summary>
    public IReadOnlySet<string> BlobHashes { get; }

    /// <summary>
    /// Whether the token may act on <paramref name="sha256"/>; used after upload for the hash
    /// that was only known once the body was read.
    /// </summary>
    public bool Covers(string sha256) => BlobHashes.Contains(sha256);

    /// <summary>
    /// Decodes the value of an <c>Authorization</c> header and runs the BUD-11 checks, cheap ones
    /// first, the Schnorr signature last. The token is base64url or standard base64, padded or not.
    /// <paramref name="maxLifetime"/> bounds how far ahead its <c>expiration</c> may be, so a leaked
    /// token is not a key for years.
    /// </summary>
    public static AuthorizationResult Validate(string headerValue, AuthorizationRequest request, DateTimeOffset now, TimeSpan clockSkew, TimeSpan maxLifetime)
    {
        ArgumentNullException.ThrowIfNull(headerValue);
        ArgumentNullException.ThrowIfNull(request);

        var token = headerValue.AsSpan().Trim();
        if (!token.StartsWith(Scheme, StringComparison.OrdinalIgnoreCase) || token.Length == Scheme.Length || token[Scheme.Length] != ' ')
            return AuthorizationResult.Fail("Authorization scheme must be Nostr");
        token = token[(Scheme.Length + 1)..].Trim();
        if (token.IsEmpty)
            return AuthorizationResult.Fail("Authorization token is empty");

        if (!TryDecodeBase64(token, out var json))
            return AuthorizationResult.Fail("Authorization token is not base64");

        if (NostrEvent.FromJson(json) is not { } nostrEvent)
            return AuthorizationResult.Fail("Authorization token is not a Nostr event in JSON");

        var failure = CheckFields(nostrEvent, request, now.ToUnixTimeSeconds(), (long)clockSkew.TotalSeconds, (long)maxLifetime.TotalSeconds)
            ?? (nostrEvent.CheckIdAndSignature() is { } invalid ? $"Authorization event {invalid}" : null);
        return failure is null ? AuthorizationResult.Success(new AuthorizationEvent(nostrEvent)) : AuthorizationResult.Fail(failure);
    }

    private static string? CheckFields(NostrEvent e, AuthorizationRequest request, long now, long clockSkew, long maxLifetime)
    {
        if (!e.HasWellFormedKeys)
            return "Authorization event id, pubkey or sig is not lowercase hex";
        if (e.Kind != Kind)
            return "Authorization event must be kind 24242";
        if (e.CreatedAt > now + clockSkew)
            return "Authorization event created_at is in the future";

        var expiration = e.TagValues("expiration").FirstOrDefault();
        if (expiration is null)
            return "Authorization event has no expiration tag";
        if (!long.TryParse(expiration, NumberStyles.None, CultureInfo.InvariantCulture, out var expiresAt))
            return "Authorization event expiration is not a unix timestamp";
        if (expiresAt <= now)
            return "Authorization event has expired";
        if (expiresAt - now > maxLifetime)
            return $"Authorization event expiration is more than {maxLifetime} seconds ahead";

        if (!e.TagValues("t").Any(request.Verbs.Contains))
            return $"Authorization event t tag must be {string.Join(" or ", request.Verbs)}";

        var servers = e.TagValues("server").ToList();
        // The reasons name the settings: the operator is the one who can make a right token pass.
        if (servers.Count > 0 && request.ServerNames.Count == 0)
            return "Authorization event is scoped to a server, but this server has no name: its operator sets PublicUrl or Auth:ServerNames";
        if (servers.Count > 0 && !servers.Any(s => request.ServerNames.Contains(HostOf(s), StringComparer.OrdinalIgnoreCase)))
            return $"Authorization event is not scoped to this server ({string.Join(", ", request.ServerNames)}); its operator adds names with PublicUrl or Auth:ServerNames";

        if (request.XTags == XTagRule.NotApplicable)
            return null;
        var hashes = e.TagValues("x").ToList();
        if (request.XTags == XTagRule.Required && hashes.Count == 0)
            return "Authorization event has no x tag";
        if (request.ImpliedHash is { } implied && hashes.Count > 0 && !hashes.Contains(implied, StringComparer.Ordinal))
            return "Authorization event x tags do not include the blob hash";
        return null;
    }

    /// <summary>Server tags are bare host names per BUD-11; a URL someone put there still compares by its host.</summary>
    private static string HostOf(string serverTag) =>
        Uri.TryCreate(serverTag, UriKind.Absolute, out var uri) && uri.Host.Length > 0 ? uri.Host : serverTag.Trim().TrimEnd('/');

    /// <summary>Accepts all four spellings: base64url or standard alphabet, with or without padding.</summary>
    private static bool TryDecodeBase64(ReadOnlySpan<char> token, out byte[] decoded)
    {
        decoded = [];
        if (token.Length > 16 * 1024)
            return false;
        Span<char> normalized = stackalloc char[token.Length + 3];
        var length = 0;
        foreach (var c in token)
        {
            if (c == '=') break; // padding is optional; whatever follows it is not base64
            normalized[length++] = c switch { '+' or '-' => '-', '/' or '_' => '_', _ => c };
        }
        if (token[length..].ContainsAnyExcept('='))
            return false;
        var chars = normalized[..length];
        var buffer = new byte[Base64Url.GetMaxDecodedLength(chars.Length)];
        if (Base64Url.DecodeFromChars(chars, buffer, out var consumed, out var written) != System.Buffers.OperationStatus.Done || consumed != chars.Length)
            return false;
        decoded = buffer[..written];
        return true;
    }
}

/// <summary>The outcome of <see cref="AuthorizationEvent.Validate"/>: the event, or a short ASCII reason.</summary>
public readonly record struct AuthorizationResult(AuthorizationEvent? Event, string? Failure)
{
    public static AuthorizationResult Success(AuthorizationEvent e) => new(e, null);
    public static AuthorizationResult Fail(string reason) => new(null, reason);
}
