namespace Blossom.Tests.Infrastructure;

/// <summary>The ways a URL can name this machine that an SSRF guard must see through, for every fetch of a URL a client gives.</summary>
public static class LoopbackHosts
{
    public static TheoryData<string> All { get; } = ["127.0.0.1", "localhost", "[::1]", "[::ffff:127.0.0.1]", "2130706433", "0.0.0.0"];
}
