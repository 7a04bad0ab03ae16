namespace Blossom.Core.Federation;

/// <summary>One public key of a server's key document; <see cref="ExpiredAt"/> is set for <c>old_verify_keys</c>, which stopped signing then.</summary>
public sealed record ServerVerifyKey(ReadOnlyMemory<byte> PublicKey, DateTimeOffset? ExpiredAt);
