namespace Blossom.Core.Federation;

/// <summary>
/// A server's published verify keys (GET /_matrix/key/v2/server), checked by <see cref="ServerKeysDocument"/>:
/// current keys valid until <see cref="ValidUntil"/>, old ones until their own expiry.
/// </summary>
public sealed record ServerKeys(string ServerName, IReadOnlyDictionary<string, ServerVerifyKey> Keys, DateTimeOffset ValidUntil)
{
    /// <summary>The longest a fetched key document may be trusted, whatever its <c>valid_until_ts</c> claims (keys.yaml).</summary>
    public static readonly TimeSpan MaxValidity = TimeSpan.FromDays(7);

    /// <summary>
    /// The public key <paramref name="keyId"/> if it may have signed something at <paramref name="at"/>: a current key
    /// while <c>at &lt;= ValidUntil</c>, an old key while <c>at &lt; ExpiredAt</c>; null otherwise or when unknown.
    /// </summary>
    public ReadOnlyMemory<byte>? KeyFor(string keyId, DateTimeOffset at)
    {
        ArgumentNullException.ThrowIfNull(keyId);
        if (!Keys.TryGetValue(keyId, out var key))
        {
            return null;
        }

        var usable = key.ExpiredAt is { } expiredAt ? at < expiredAt : at <= ValidUntil;
        if (!usable)
        {
            // Not "usable ? key.PublicKey : null": that null would become an empty ReadOnlyMemory, not "no key".
            return null;
        }

        return key.PublicKey;
    }

    /// <summary>
    /// These keys with <see cref="ValidUntil"/> no later than <see cref="MaxValidity"/> after <paramref name="fetchedAt"/>:
    /// the spec makes servers use the lesser of the two, so that a leaked key cannot stay trusted for years.
    /// </summary>
    public ServerKeys CappedAt(DateTimeOffset fetchedAt)
    {
        var cap = fetchedAt + MaxValidity;
        return ValidUntil <= cap ? this : this with { ValidUntil = cap };
    }
}
