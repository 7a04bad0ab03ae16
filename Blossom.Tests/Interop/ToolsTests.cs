using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Blossom.Tests.Infrastructure;

namespace Blossom.Tests.Interop;

/// <summary>The command-line tools README's curl recipes use, run by node against the real server.</summary>
public sealed class ToolsTests
{
    private static readonly string Tools = Path.Combine(NodeScript.RepositoryRoot(), "tools");

    [Fact]
    public async Task NostrAuth_UnknownVerb_Exit2ListingEveryCommand()
    {
        (await NodeScript.EnsureInstalledAsync(Tools)).ExitCode.Should().Be(0);

        var (exitCode, output) = await NodeScript.RunAsync(Tools, new Dictionary<string, string> { ["NOSTR_SECRET"] = new string('a', 64) }, "node", "nostr-auth.mjs", "uplaod");

        exitCode.Should().Be(2);
        output.Should().Contain("unknown command 'uplaod'");
        foreach (var command in new[] { "keygen", "upload", "delete", "list", "get", "media", "admin", "report" })
            output.Should().Contain(command);
    }

    [Fact]
    public async Task NostrAuth_Report_ASignedKind1984EventThatPutReportTakes()
    {
        using var app = new BlossomApplication();
        var client = app.Start();
        var blob = await client.UploadAsync(new NostrSigner(), BlossomRequests.RandomBlob(500));
        var environment = await KeyAsync();

        var (exitCode, output) = await NodeScript.RunAsync(Tools, environment, "node", "nostr-auth.mjs", "report", "spam", blob.Sha256, "--", "not mine");
        using var report = await client.PutAsync("/report", new StringContent(output.Trim(), Encoding.UTF8, "application/json"));

        exitCode.Should().Be(0, output);
        var reportEvent = JsonDocument.Parse(output).RootElement;
        reportEvent.GetProperty("kind").GetInt32().Should().Be(1984);
        reportEvent.GetProperty("content").GetString().Should().Be("not mine");
        report.IsSuccessStatusCode.Should().BeTrue(report.Headers.TryGetValues("X-Reason", out var reason) ? string.Join(' ', reason) : "");
    }

    [Fact]
    public async Task ChunkedUpload_TypeFromTheFileName_ResumesFromWhatTheServerHolds_AlreadyStoredNotSentAgain()
    {
        using var app = new BlossomApplication();
        var client = app.Start();
        var data = BlossomRequests.RandomBlob(2_621_440);
        var file = Path.Combine(app.DataRoot, "paper.pdf");
        await File.WriteAllBytesAsync(file, data);
        var sha256 = BlossomRequests.Sha256(data);
        var environment = await KeyAsync();
        var (_, token) = await NodeScript.RunAsync(Tools, environment, "node", "nostr-auth.mjs", "upload", sha256);
        // An earlier run that sent the first MiB and stopped.
        using (var first = new HttpRequestMessage(HttpMethod.Patch, $"/{sha256}") { Content = new ByteArrayContent(data, 0, 1_048_576) })
        {
            first.Headers.TryAddWithoutValidation("Authorization", token.Trim());
            first.Headers.Add("Upload-Type", "application/pdf");
            first.Headers.Add("Upload-Length", data.Length.ToString(System.Globalization.CultureInfo.InvariantCulture));
            first.Headers.Add("Upload-Offset", "0");
            first.Content.Headers.ContentType = new MediaTypeHeaderValue("application/octet-stream");
            using var sent = await client.SendAsync(first);
            sent.StatusCode.Should().Be(HttpStatusCode.NoContent);
        }
        var server = app.BaseAddress.ToString().TrimEnd('/');

        var (exitCode, output) = await NodeScript.RunAsync(Tools, environment, "node", "chunked-upload.mjs", server, file, "1", "1");
        var (againExitCode, againOutput) = await NodeScript.RunAsync(Tools, environment, "node", "chunked-upload.mjs", server, file, "1", "1");

        exitCode.Should().Be(0, output);
        var result = JsonDocument.Parse(output).RootElement;
        result.GetProperty("resumedBytes").GetInt64().Should().Be(1_048_576);
        result.GetProperty("chunks").GetInt32().Should().Be(2);
        result.GetProperty("descriptor").GetProperty("type").GetString().Should().Be("application/pdf");
        result.GetProperty("descriptor").GetProperty("url").GetString().Should().EndWith(".pdf");
        againExitCode.Should().Be(0, againOutput);
        JsonDocument.Parse(againOutput).RootElement.GetProperty("alreadyStored").GetBoolean().Should().BeTrue();
        (await client.GetByteArrayAsync($"/{sha256}")).Should().Equal(data);
    }

    /// <summary>A new key made by the tool itself, as README's first step does.</summary>
    private static async Task<Dictionary<string, string>> KeyAsync()
    {
        (await NodeScript.EnsureInstalledAsync(Tools)).ExitCode.Should().Be(0, "npm ci installs nostr-tools for the tools");
        var (_, keys) = await NodeScript.RunAsync(Tools, "node", "nostr-auth.mjs", "keygen");
        var secret = keys.Split('\n').Single(l => l.StartsWith("NOSTR_SECRET=", StringComparison.Ordinal))["NOSTR_SECRET=".Length..].Trim();
        return new Dictionary<string, string> { ["NOSTR_SECRET"] = secret };
    }
}
