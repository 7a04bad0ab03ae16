using System.Buffers;

namespace Blossom.Core.Blobs;

/// <summary>A blob's address: the lowercase hex SHA-256 of its bytes.</summary>
public static class BlobHash
{
    public const int HexLength = 64;

    private static readonly SearchValues<char> LowerHex = SearchValues.Create("0123456789abcdef");

    public static bool IsValid(string? value) => value is { Length: HexLength } && IsLowerHex(value);

    internal static bool IsLowerHex(ReadOnlySpan<char> value) => !value.ContainsAnyExcept(LowerHex);
}
