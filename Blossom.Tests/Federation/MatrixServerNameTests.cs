using Blossom.Core.Federation;

namespace Blossom.Tests.Federation;

/// <summary>The appendix's server-name grammar: its examples of valid names, and names it leaves out.</summary>
public sealed class MatrixServerNameTests
{
    [Theory]
    [InlineData("matrix.org", "matrix.org", null)]
    [InlineData("matrix.org:8888", "matrix.org", 8888)]
    [InlineData("1.2.3.4", "1.2.3.4", null)]
    [InlineData("1.2.3.4:1234", "1.2.3.4", 1234)]
    [InlineData("[1234:5678::abcd]", "[1234:5678::abcd]", null)]
    [InlineData("[1234:5678::abcd]:5678", "[1234:5678::abcd]", 5678)]
    [InlineData("localhost", "localhost", null)]
    [InlineData("my-server.example.co.uk:65535", "my-server.example.co.uk", 65535)]
    [InlineData("[::ffff:1.2.3.4]", "[::ffff:1.2.3.4]", null)]
    public void TryParse_AppendixExamples_HostAndPort(string serverName, string host, int? port)
    {
        MatrixServerName.TryParse(serverName, out var parsedHost, out var parsedPort).Should().BeTrue();

        parsedHost.Should().Be(host);
        parsedPort.Should().Be(port);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("matrix.org:")]
    [InlineData("matrix.org:http")]
    [InlineData("matrix.org:123456")]
    [InlineData("matrix.org:0")]
    [InlineData("matrix.org:65536")]
    [InlineData("matrix.org:-1")]
    [InlineData("matrix.org:80:80")]
    [InlineData("1234:5678::abcd")]
    [InlineData("[1234:5678::abcd")]
    [InlineData("[1234:5678::abcd]x")]
    [InlineData("[1234:5678::abcd]:")]
    [InlineData("[matrix.org]")]
    [InlineData("[1.2.3.4]")]
    [InlineData("matrix_org")]
    [InlineData("user@matrix.org")]
    [InlineData("matrix.org/path")]
    [InlineData("matrix org")]
    [InlineData("mätrix.org")]
    [InlineData("matrix..org")]
    [InlineData(".matrix.org")]
    [InlineData("256.1.2.3")]
    [InlineData("1.2.3")]
    [InlineData("2130706433")]
    public void TryParse_OutsideTheGrammar_False(string? serverName) =>
        MatrixServerName.TryParse(serverName, out _, out _).Should().BeFalse();

    [Theory]
    [InlineData("1.2.3.4", true)]
    [InlineData("[::1]", true)]
    [InlineData("matrix.org", false)]
    [InlineData("1.2.3.4.example", false)]
    public void IsIpLiteral_ParsedHost_LiteralsOnly(string host, bool literal) =>
        MatrixServerName.IsIpLiteral(host).Should().Be(literal);
}
