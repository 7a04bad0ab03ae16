using System.Runtime.InteropServices;

namespace Blossom.Core.Auth;

/// <summary>
/// BIP-340 Schnorr verification through libsecp256k1, the reference implementation
/// (Debian package <c>libsecp256k1-1</c>, built with the schnorrsig module).
/// </summary>
public static unsafe partial class SchnorrSignature
{
    internal const string Library = "libsecp256k1.so.1";
    private const uint ContextNone = 1; // SECP256K1_CONTEXT_NONE: verification needs no precomputation flags since 0.2.

    // Created once and never mutated, so all threads may verify with it at once (secp256k1.h).
    private static readonly nint Context = CreateContext();

    /// <summary>Fails loudly at start-up when the native library is missing or lacks schnorrsig.</summary>
    public static void EnsureAvailable() => GC.KeepAlive(Context);

    public static bool Verify(ReadOnlySpan<byte> xOnlyPubkey, ReadOnlySpan<byte> message, ReadOnlySpan<byte> signature)
    {
        if (xOnlyPubkey.Length != 32 || signature.Length != 64) return false;
        var parsedKey = stackalloc byte[64];
        fixed (byte* key = xOnlyPubkey)
        fixed (byte* msg = message)
        fixed (byte* sig = signature)
        {
            return XOnlyPubkeyParse(Context, parsedKey, key) == 1
                && SchnorrsigVerify(Context, sig, msg, (nuint)message.Length, parsedKey) == 1;
        }
    }

    private static nint CreateContext()
    {
        try
        {
            var context = ContextCreate(ContextNone);
            return context != 0 ? context : throw new InvalidOperationException("secp256k1_context_create returned null.");
        }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException)
        {
            throw new InvalidOperationException(
                $"{Library} with the schnorrsig module is required for Nostr authorization (Debian: apt-get install libsecp256k1-1).", e);
        }
    }

    [LibraryImport(Library, EntryPoint = "secp256k1_context_create")]
    internal static partial nint ContextCreate(uint flags);

    [LibraryImport(Library, EntryPoint = "secp256k1_xonly_pubkey_parse")]
    private static partial int XOnlyPubkeyParse(nint context, byte* pubkey, byte* input32);

    [LibraryImport(Library, EntryPoint = "secp256k1_schnorrsig_verify")]
    private static partial int SchnorrsigVerify(nint context, byte* sig64, byte* msg, nuint msgLength, byte* pubkey);
}
