using System.Runtime.InteropServices;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Blossom.Core.Auth;

namespace Blossom.Tests.Infrastructure;

/// <summary>A Nostr key that signs real BIP-340 events with libsecp256k1, as clients do.</summary>
internal sealed unsafe partial class NostrSigner
{
    private const string Library = "libsecp256k1.so.1";
    private static readonly nint Context = ContextCreate(1);
    private readonly byte[] _keypair = new byte[96];

    public NostrSigner()
        : this(RandomNumberGenerator.GetBytes(32))
    {
    }

    /// <summary>The key of a given secret, for a test that hands the same key to a script.</summary>
    public NostrSigner(byte[] secret)
    {
        ArgumentNullException.ThrowIfNull(secret);
        fixed (byte* keypair = _keypair)
        fixed (byte* seckey = secret)
        {
            if (KeypairCreate(Context, keypair, seckey) != 1)
                throw new InvalidOperationException("secp256k1_keypair_create failed");
            var xonly = stackalloc byte[64];
            var serialized = new byte[32];
            int parity;
            fixed (byte* output = serialized)
            {
                if (KeypairXonlyPub(Context, xonly, &parity, keypair) != 1 || XonlyPubkeySerialize(Context, output, xonly) != 1)
                    throw new InvalidOperationException("secp256k1 x-only pubkey failed");
            }
            Pubkey = Convert.ToHexStringLower(serialized);
        }
    }

    public string Pubkey { get; }

    /// <summary>Signs an event, computing its id the NIP-01 way.</summary>
    public NostrEvent Sign(int kind, long createdAt, IReadOnlyList<IReadOnlyList<string>> tags, string content)
    {
        var unsigned = new NostrEvent("", Pubkey, createdAt, kind, tags, content, "");
        var id = NostrEventId.Compute(unsigned);
        var sig = new byte[64];
        fixed (byte* signature = sig)
        fixed (byte* message = id)
        fixed (byte* keypair = _keypair)
        {
            if (SchnorrsigSign32(Context, signature, message, keypair, null) != 1)
                throw new InvalidOperationException("secp256k1_schnorrsig_sign32 failed");
        }
        return unsigned with { Id = Convert.ToHexStringLower(id), Sig = Convert.ToHexStringLower(sig) };
    }

    /// <summary>A kind 24242 token; every part can be overridden to build bad ones.</summary>
    public NostrEvent Token(string verb, IEnumerable<string>? blobs = null, long? expiration = null, long? createdAt = null, IEnumerable<string>? servers = null, int kind = AuthorizationEvent.Kind, string? content = null)
    {
        var now = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
        var tags = new List<IReadOnlyList<string>> { new[] { "t", verb }, new[] { "expiration", (expiration ?? now + 600).ToString(System.Globalization.CultureInfo.InvariantCulture) } };
        tags.AddRange((blobs ?? []).Select(x => new[] { "x", x }));
        tags.AddRange((servers ?? []).Select(s => new[] { "server", s }));
        return Sign(kind, createdAt ?? now, tags, content ?? $"Blossom test: {verb}");
    }

    /// <summary>The <c>Authorization</c> header for an event, in any of the four base64 spellings.</summary>
    public static string Header(NostrEvent e, bool urlSafe = true, bool padded = false)
    {
        var b64 = Convert.ToBase64String(Encoding.UTF8.GetBytes(JsonSerializer.Serialize(e)));
        if (urlSafe) b64 = b64.Replace('+', '-').Replace('/', '_');
        if (!padded) b64 = b64.TrimEnd('=');
        return "Nostr " + b64;
    }

    [LibraryImport(Library, EntryPoint = "secp256k1_context_create")]
    private static partial nint ContextCreate(uint flags);

    [LibraryImport(Library, EntryPoint = "secp256k1_keypair_create")]
    private static partial int KeypairCreate(nint context, byte* keypair, byte* seckey);

    [LibraryImport(Library, EntryPoint = "secp256k1_keypair_xonly_pub")]
    private static partial int KeypairXonlyPub(nint context, byte* pubkey, int* parity, byte* keypair);

    [LibraryImport(Library, EntryPoint = "secp256k1_xonly_pubkey_serialize")]
    private static partial int XonlyPubkeySerialize(nint context, byte* output32, byte* pubkey);

    [LibraryImport(Library, EntryPoint = "secp256k1_schnorrsig_sign32")]
    private static partial int SchnorrsigSign32(nint context, byte* sig64, byte* msg32, byte* keypair, byte* auxRand32);
}
