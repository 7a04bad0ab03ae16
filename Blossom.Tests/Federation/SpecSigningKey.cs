using Blossom.Core.Federation;

namespace Blossom.Tests.Federation;

/// <summary>The signing key of the appendix's "Cryptographic Test Vectors": server "domain", key "ed25519:1".</summary>
internal static class SpecSigningKey
{
    public const string SeedBase64 = "YJDBA9Xnr2sVqXD9Vj7XVUnmFZcZrlw8Md7kMW+3XA1";

    public const string ServerName = "domain";

    public static MatrixSigningKey Create()
    {
        UnpaddedBase64.TryDecode(SeedBase64, out var seed).Should().BeTrue();
        return MatrixSigningKey.FromSeed("1", seed);
    }

    /// <summary>A key of its own for each <paramref name="version"/>, the same on every run.</summary>
    public static MatrixSigningKey Other(string version, byte fill) =>
        MatrixSigningKey.FromSeed(version, Enumerable.Repeat(fill, 32).ToArray());
}
