using System.Diagnostics;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using Blossom.Core.Auth;
using Blossom.Server;
using Blossom.Tests.Infrastructure;
using NetVips;
using VipsImage = NetVips.Image;

namespace Blossom.Tests.Media;

/// <summary><c>/media</c> requests the way clients make them, and what a user checks in the answers.</summary>
internal static class MediaRequests
{
    public static readonly TimeSpan Deadline = TimeSpan.FromMinutes(3);

    public static HttpRequestMessage Put(byte[] data, string contentType, NostrEvent? token, string? prefer = null)
    {
        var request = new HttpRequestMessage(HttpMethod.Put, "/media") { Content = new ByteArrayContent(data) };
        request.Content.Headers.ContentType = MediaTypeHeaderValue.Parse(contentType);
        request.Headers.Add("X-SHA-256", BlossomRequests.Sha256(data));
        if (token is not null)
            request.WithToken(token);
        if (prefer is not null)
            request.Headers.TryAddWithoutValidation("Prefer", prefer);
        return request;
    }

    /// <summary>
    /// PUT /media as <paramref name="signer"/> (t=media) with <c>Prefer: respond-async</c>, as a
    /// task-based client sends it; expects 202 and returns the task, which runs on after the answer.
    /// </summary>
    public static async Task<MediaTaskResponse> SubmitAsync(this HttpClient client, NostrSigner signer, byte[] data, string contentType)
    {
        using var response = await client.SendAsync(Put(data, contentType, signer.Token(AuthorizationVerb.Media, [BlossomRequests.Sha256(data)]), prefer: "respond-async"));
        response.StatusCode.Should().Be(System.Net.HttpStatusCode.Accepted, response.Reason());
        var task = (await response.Content.ReadFromJsonAsync<MediaTaskResponse>())!;
        response.Headers.Location!.ToString().Should().Be("/media/" + task.Id);
        return task;
    }

    /// <summary>Long-polls the task until it ends, failing the test past the deadline.</summary>
    public static async Task<MediaTaskResponse> WaitForEndAsync(this HttpClient client, string id)
    {
        MediaTaskResponse task = null!;
        await Poll.UntilAsync(async () =>
        {
            task = (await client.GetFromJsonAsync<MediaTaskResponse>($"/media/{id}?wait=10"))!;
            return task.Status != "running";
        }, () => $"task {id} should end; it says {task.Progress}% {task.Message}", Deadline);
        return task;
    }

    /// <summary>Reads the running task, as a progress bar does, until <paramref name="condition"/> holds.</summary>
    public static async Task<MediaTaskResponse> WaitUntilAsync(this HttpClient client, string id, Func<MediaTaskResponse, bool> condition)
    {
        MediaTaskResponse task = null!;
        await Poll.UntilAsync(async () =>
        {
            task = (await client.GetFromJsonAsync<MediaTaskResponse>($"/media/{id}"))!;
            if (condition(task))
                return true;
            task.Status.Should().Be("running", "the awaited state comes while the task runs");
            return false;
        }, $"task {id} to reach the awaited state", Deadline);
        return task;
    }

    /// <summary>Downloads the blob and opens it with libvips; <paramref name="allFrames"/> loads every frame of an animation.</summary>
    public static async Task<VipsImage> DownloadImageAsync(this HttpClient client, BlobDescriptor blob, bool allFrames = false) =>
        VipsImage.NewFromBuffer(await client.GetByteArrayAsync(new Uri(blob.Url).PathAndQuery), allFrames ? "n=-1" : "");

    /// <summary>Runs ffprobe on the downloaded blob: the streams and format as JSON.</summary>
    public static async Task<System.Text.Json.JsonElement> ProbeAsync(this HttpClient client, BlobDescriptor blob) =>
        await ProbeAsync(await client.GetByteArrayAsync(new Uri(blob.Url).PathAndQuery));

    /// <summary>Runs ffprobe on <paramref name="media"/>: the streams and format as JSON.</summary>
    public static async Task<System.Text.Json.JsonElement> ProbeAsync(byte[] media)
    {
        var path = Path.Combine(Path.GetTempPath(), $"blossom-probe-{Guid.NewGuid():N}");
        await File.WriteAllBytesAsync(path, media);
        try
        {
            var start = new ProcessStartInfo("ffprobe") { RedirectStandardOutput = true, RedirectStandardError = true };
            foreach (var argument in (string[])["-v", "error", "-print_format", "json", "-show_format", "-show_streams", path])
                start.ArgumentList.Add(argument);
            using var process = Process.Start(start)!;
            var output = await process.StandardOutput.ReadToEndAsync();
            await process.StandardError.ReadToEndAsync();
            await process.WaitForExitAsync();
            return System.Text.Json.JsonDocument.Parse(output).RootElement.Clone();
        }
        finally
        {
            File.Delete(path);
        }
    }

    /// <summary>The ffmpeg processes working inside <paramref name="folder"/>, read from /proc.</summary>
    public static IReadOnlyList<int> FfmpegProcessesUnder(string folder) =>
        [.. Directory.EnumerateDirectories("/proc")
            .Select(d => (Pid: int.TryParse(Path.GetFileName(d), out var pid) ? pid : 0, Dir: d))
            .Where(p => p.Pid > 0)
            .Where(p =>
            {
                try
                {
                    var commandLine = File.ReadAllText(Path.Combine(p.Dir, "cmdline"));
                    return commandLine.StartsWith("ffmpeg\0", StringComparison.Ordinal) && commandLine.Contains(folder, StringComparison.Ordinal);
                }
                catch (IOException)
                {
                    return false; // the process ended while being read
                }
            })
            .Select(p => p.Pid)];

    public static bool HasExif(VipsImage image) =>
        image.GetFields().Any(f => f.StartsWith("exif", StringComparison.Ordinal) || f == "xmp-data" || f == "iptc-data");
}
