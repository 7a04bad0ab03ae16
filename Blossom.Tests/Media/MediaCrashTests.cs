using System.Diagnostics;
using System.Net.Http.Json;
using Blossom.Server;
using Blossom.Tests.Infrastructure;

namespace Blossom.Tests.Media;

/// <summary>What a server killed with SIGKILL leaves behind, and what the next start does about it.</summary>
public sealed class MediaCrashTests : IDisposable
{
    // One worker on libx264's slowest preset: ffmpeg runs for minutes, long enough to be killed mid-job.
    private static readonly Dictionary<string, string> SlowVideo = new() { ["Media:Video:Preset"] = "veryslow", ["Media:Workers"] = "1" };

    private readonly NostrSigner _alice = new();
    private readonly string _dataRoot = Directory.CreateTempSubdirectory("blossom-crash-").FullName;

    public void Dispose()
    {
        // Whatever a failed assertion left running goes, so no test leaks processes into the next.
        foreach (var pid in MediaRequests.FfmpegProcessesUnder(_dataRoot))
            KillQuietly(pid);
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        Directory.Delete(_dataRoot, recursive: true);
    }

    [Fact]
    public async Task ServerKilled_ItsFfmpegDiesWithIt()
    {
        // Minutes of work: left alone, this ffmpeg would run far past the wait below.
        var video = await MediaSamples.VideoAsync(1920, 1080, fps: 5, seconds: 60);
        using var server = await ServerProcess.StartAsync(_dataRoot, SlowVideo);
        await server.Client.SubmitAsync(_alice, video, "video/mp4");
        var ffmpeg = await SingleFfmpegAsync();

        server.Kill();

        await Poll.UntilAsync(() => !MediaRequests.FfmpegProcessesUnder(_dataRoot).Contains(ffmpeg), "ffmpeg dies with the server that started it", TimeSpan.FromSeconds(15));
    }

    [Fact]
    public async Task StartUp_EndsFfmpegLeftRunningByAnEarlierProcess()
    {
        var output = Directory.CreateDirectory(Path.Combine(_dataRoot, "media", "output")).FullName;
        var start = new ProcessStartInfo("ffmpeg") { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in (string[])["-hide_banner", "-nostdin", "-loglevel", "error", "-re", "-f", "lavfi", "-i", "testsrc2=size=320x240:rate=25", Path.Combine(output, "stray.mp4")])
            start.ArgumentList.Add(argument);
        using var stray = Process.Start(start)!;
        await Poll.UntilAsync(() => MediaRequests.FfmpegProcessesUnder(_dataRoot).Contains(stray.Id), "the stray ffmpeg runs");

        using var app = new BlossomApplication(null, _dataRoot);
        app.Start();

        await Poll.UntilAsync(() => stray.HasExited, "start-up ends ffmpeg working in its output folder");
    }

    [Fact]
    public async Task JobInterruptedAtEveryStart_IsGivenUpAfterThreeAttempts()
    {
        var video = await MediaSamples.VideoAsync(1280, 720, fps: 5, seconds: 60);
        string id;
        using (var first = await ServerProcess.StartAsync(_dataRoot, SlowVideo))
        {
            id = (await first.Client.SubmitAsync(_alice, video, "video/mp4")).Id;
            await SingleFfmpegAsync();
            first.Kill();
        }
        for (var restart = 2; restart <= 3; restart++)
        {
            using var again = await ServerProcess.StartAsync(_dataRoot, SlowVideo);
            await SingleFfmpegAsync(); // the job was resumed and runs again
            again.Kill();
        }

        using var last = await ServerProcess.StartAsync(_dataRoot, SlowVideo);
        var task = (await last.Client.GetFromJsonAsync<MediaTaskResponse>($"/media/{id}?wait=30"))!;

        task.Status.Should().Be("canceled", last.Output);
        task.Message.Should().Be("This media failed repeatedly; the server gave up on it");
        MediaRequests.FfmpegProcessesUnder(_dataRoot).Should().BeEmpty();
    }

    private async Task<int> SingleFfmpegAsync()
    {
        var pid = 0;
        await Poll.UntilAsync(() => MediaRequests.FfmpegProcessesUnder(_dataRoot) is [var one] && (pid = one) > 0, "ffmpeg runs for the task");
        return pid;
    }

    private static void KillQuietly(int pid)
    {
        try
        {
            using var process = Process.GetProcessById(pid);
            process.Kill();
        }
        catch (Exception e) when (e is ArgumentException or InvalidOperationException)
        {
            // Already gone.
        }
    }
}
