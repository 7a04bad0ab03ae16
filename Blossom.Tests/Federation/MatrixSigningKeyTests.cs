using Blossom.Core.Federation;

namespace Blossom.Tests.Federation;

public sealed class MatrixSigningKeyTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("blossom-signing-key-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    [Fact]
    public void Load_SynapseFile_UsesItsKey()
    {
        var path = Write($"ed25519 a_AbCd {SpecSigningKey.SeedBase64}\n");
        using var spec = SpecSigningKey.Create();

        using var key = MatrixSigningKey.Load(path);

        key.KeyId.Should().Be("ed25519:a_AbCd");
        key.PublicKeyBase64.Should().Be(spec.PublicKeyBase64);
        key.Sign("{}"u8).Should().Be(spec.Sign("{}"u8));
    }

    [Fact]
    public void Load_SeveralLines_UsesTheFirstEd25519Key()
    {
        using var second = SpecSigningKey.Other("b", 3);
        var path = Write($"\n  \ned25519 first {SpecSigningKey.SeedBase64}=\r\ned25519 second {UnpaddedBase64.Encode(Enumerable.Repeat((byte)3, 32).ToArray())}\n");

        using var key = MatrixSigningKey.Load(path);

        key.KeyId.Should().Be("ed25519:first");
        key.PublicKeyBase64.Should().NotBe(second.PublicKeyBase64);
    }

    [Theory]
    [InlineData("")]
    [InlineData("not a key\n")]
    [InlineData("ed25519 1\n")]
    [InlineData("ed25519 1 seed extra\n")]
    [InlineData("ed25519 bad-version YJDBA9Xnr2sVqXD9Vj7XVUnmFZcZrlw8Md7kMW+3XA1\n")]
    [InlineData("ed25519 1 not*base64\n")]
    [InlineData("ed25519 1 Zm9vYmFy\n")]
    public void Load_BadFile_IsRefusedNamingTheFile(string content)
    {
        var path = Write(content);

        var act = () => MatrixSigningKey.Load(path);

        act.Should().Throw<FormatException>().Which.Message.Should().Contain(path);
    }

    [Fact]
    public void Parse_Text_ReadsTheKey()
    {
        using var key = MatrixSigningKey.Parse($"ed25519 1 {SpecSigningKey.SeedBase64}");
        using var spec = SpecSigningKey.Create();

        key.KeyId.Should().Be(spec.KeyId);
        key.PublicKey.ToArray().Should().Equal(spec.PublicKey.ToArray());
    }

    [Fact]
    public void FromSeed_WrongLengthOrVersion_IsRefused()
    {
        var shortSeed = () => MatrixSigningKey.FromSeed("1", new byte[31]);
        var badVersion = () => MatrixSigningKey.FromSeed("a:b", new byte[32]);

        shortSeed.Should().Throw<ArgumentException>();
        badVersion.Should().Throw<ArgumentException>();
    }

    private string Write(string content)
    {
        var path = Path.Combine(_directory, "signing.key");
        File.WriteAllText(path, content);
        return path;
    }
}
