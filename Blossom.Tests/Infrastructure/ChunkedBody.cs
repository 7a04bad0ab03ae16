using System.Text;

namespace Blossom.Tests.Infrastructure;

/// <summary>
/// A PUT whose body is sent chunked (no Content-Length) over a raw socket, as an attacker would
/// send an endless body: HttpClient only reports a broken pipe, not the answer the server gave.
/// </summary>
internal static class ChunkedBody
{
    /// <summary>Sends <paramref name="bodyStart"/>, then up to <paramref name="size"/> bytes of filler until the server answers.</summary>
    /// <returns>The answer's status line and headers, and how many filler bytes were sent before it came.</returns>
    public static async Task<(string Head, long Sent)> PutAsync(Uri server, string path, string headers, string bodyStart, long size)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        using var tcp = new System.Net.Sockets.TcpClient();
        await tcp.ConnectAsync(server.Host, server.Port, timeout.Token);
        var stream = tcp.GetStream();
        var start = Encoding.UTF8.GetBytes(bodyStart);
        await stream.WriteAsync(Encoding.ASCII.GetBytes(
            $"PUT {path} HTTP/1.1\r\nHost: {server.Authority}\r\n{headers}Transfer-Encoding: chunked\r\n\r\n{start.Length:x}\r\n"), timeout.Token);
        await stream.WriteAsync(start, timeout.Token);
        await stream.WriteAsync("\r\n"u8.ToArray(), timeout.Token);
        var answer = ReadHeadAsync(stream, timeout.Token);
        var chunk = Encoding.ASCII.GetBytes($"10000\r\n{new string('a', 0x10000)}\r\n");
        long sent = 0;
        try
        {
            for (; sent < size && !answer.IsCompleted; sent += 0x10000)
                await stream.WriteAsync(chunk, timeout.Token);
        }
        catch (IOException)
        {
            // The server hung up on the rest of the body.
        }
        return (await answer, sent);
    }

    private static async Task<string> ReadHeadAsync(Stream stream, CancellationToken cancellationToken)
    {
        var head = new StringBuilder();
        var buffer = new byte[4096];
        int read;
        while (!head.ToString().Contains("\r\n\r\n", StringComparison.Ordinal) && (read = await stream.ReadAsync(buffer, cancellationToken)) > 0)
            head.Append(Encoding.ASCII.GetString(buffer, 0, read));
        return head.ToString();
    }
}
