using System.Text.RegularExpressions;
using NSec.Cryptography;

namespace Blossom.Core.Federation;

/// <summary>
/// This server's Ed25519 federation signing key, read from a Synapse-format <c>signing.key</c> file so that a
/// homeserver's existing key (and so its identity to other servers) can be used as it is.
/// </summary>
public sealed partial class MatrixSigningKey : IDisposable
{
    /// <summary>The only signing algorithm the specification defines.</summary>
    public const string Algorithm = "ed25519";

    private const int SeedSize = 32;

    private readonly Key _key;

    private MatrixSigningKey(string version, Key key)
    {
        _key = key;
        KeyId = $"{Algorithm}:{version}";
        PublicKey = key.PublicKey.Export(KeyBlobFormat.RawPublicKey);
        PublicKeyBase64 = UnpaddedBase64.Encode(PublicKey.Span);
    }

    /// <summary>"ed25519:&lt;version&gt;", the name other servers look the public key up by.</summary>
    public string KeyId { get; }

    /// <summary>The public key as published under <c>verify_keys</c>, unpadded base64.</summary>
    public string PublicKeyBase64 { get; }

    public ReadOnlyMemory<byte> PublicKey { get; }

    /// <summary>Reads a Synapse <c>signing.key</c> file; see <see cref="Parse"/> for its format.</summary>
    /// <exception cref="FormatException">The file holds no usable ed25519 key; the message names the file.</exception>
    public static MatrixSigningKey Load(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        return ParseFrom(File.ReadAllText(path), $"The signing key file '{path}'");
    }

    /// <summary>
    /// Reads the text of a Synapse <c>signing.key</c> file: lines "ed25519 &lt;version&gt; &lt;unpadded base64 32-byte seed&gt;".
    /// The first ed25519 line is used, as Synapse signs with the first key of the file.
    /// </summary>
    /// <exception cref="FormatException">No ed25519 line, or one whose version or seed is malformed.</exception>
    public static MatrixSigningKey Parse(string text) => ParseFrom(text, "The signing key text");

    public static MatrixSigningKey FromSeed(string version, ReadOnlySpan<byte> seed)
    {
        ArgumentNullException.ThrowIfNull(version);
        if (!KeyVersion().IsMatch(version))
        {
            throw new ArgumentException($"A key version is one or more of [a-zA-Z0-9_]; '{version}' is not.", nameof(version));
        }

        if (seed.Length != SeedSize)
        {
            throw new ArgumentException($"An ed25519 seed is {SeedSize} bytes, not {seed.Length}.", nameof(seed));
        }

        return new MatrixSigningKey(version, Key.Import(SignatureAlgorithm.Ed25519, seed, KeyBlobFormat.RawPrivateKey));
    }

    /// <summary>Signs <paramref name="message"/>; returns the signature in unpadded base64, as JSON signatures carry it.</summary>
    public string Sign(ReadOnlySpan<byte> message) => UnpaddedBase64.Encode(SignatureAlgorithm.Ed25519.Sign(_key, message));

    /// <summary>
    /// Whether <paramref name="signatureBase64"/> is a valid Ed25519 signature of <paramref name="message"/> by <paramref name="publicKey"/>.
    /// Input from other servers is untrusted: a key or signature of the wrong length or encoding is simply not valid.
    /// </summary>
    public static bool Verify(ReadOnlySpan<byte> publicKey, ReadOnlySpan<byte> message, string signatureBase64)
    {
        var algorithm = SignatureAlgorithm.Ed25519;
        if (publicKey.Length != algorithm.PublicKeySize
            || !UnpaddedBase64.TryDecode(signatureBase64, out var signature)
            || signature.Length != algorithm.SignatureSize
            || !NSec.Cryptography.PublicKey.TryImport(algorithm, publicKey, KeyBlobFormat.RawPublicKey, out var key))
        {
            return false;
        }

        return algorithm.Verify(key!, message, signature);
    }

    public void Dispose() => _key.Dispose();

    private static MatrixSigningKey ParseFrom(string text, string source)
    {
        ArgumentNullException.ThrowIfNull(text);
        foreach (var line in text.Split('\n'))
        {
            var fields = line.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries);
            if (fields.Length == 0 || fields[0] != Algorithm)
            {
                continue;
            }

            if (fields.Length != 3)
            {
                throw new FormatException($"{source} has an ed25519 line that is not 'ed25519 <version> <base64 seed>'.");
            }

            if (!KeyVersion().IsMatch(fields[1]))
            {
                throw new FormatException($"{source} has the key version '{fields[1]}'; a version is one or more of [a-zA-Z0-9_].");
            }

            if (!UnpaddedBase64.TryDecode(fields[2], out var seed) || seed.Length != SeedSize)
            {
                throw new FormatException($"{source} has a seed that is not the base64 of {SeedSize} bytes.");
            }

            return FromSeed(fields[1], seed);
        }

        throw new FormatException($"{source} holds no 'ed25519 <version> <base64 seed>' line.");
    }

    [GeneratedRegex("^[a-zA-Z0-9_]+$")]
    private static partial Regex KeyVersion();
}
