using System.Collections.Concurrent;
using System.ComponentModel;
using System.Diagnostics;
using Amazon.Runtime;
using Amazon.S3;
using Amazon.S3.Model;

namespace Blossom.Tests.Infrastructure;

/// <summary>
/// s3rver, an S3-compatible server on a local folder, run by node on a free loopback port for the
/// tests of one collection and stopped after them. Each test makes a bucket of its own. It runs
/// through <c>Services/s3rver.js</c>, which adds the abort of a multipart upload that s3rver lacks.
/// </summary>
public sealed class S3Server : IAsyncLifetime, IDisposable
{
    public const string AccessKey = "S3RVER";
    public const string SecretKey = "S3RVER";

    private static readonly TimeSpan StartDeadline = TimeSpan.FromMinutes(1);
    private static readonly string ServiceFolder = Path.Combine(NodeScript.RepositoryRoot(), "Blossom.Tests", "Services");
    private readonly string _data = Directory.CreateTempSubdirectory("blossom-s3-").FullName;
    private readonly ConcurrentQueue<string> _output = new();
    private Process? _process;
    private AmazonS3Client? _client;

    /// <summary>The S3 API's URL, e.g. <c>http://127.0.0.1:40123</c>.</summary>
    public string Endpoint { get; private set; } = "";

    /// <summary>A client with the server's credentials, path-style, as the store makes one.</summary>
    public AmazonS3Client Client => _client ?? throw new InvalidOperationException("The S3 server is not started.");

    public async Task InitializeAsync()
    {
        var (exitCode, output) = await InstallAsync();
        if (exitCode != 0)
            throw new InvalidOperationException($"npm ci in Blossom.Tests/Services failed (exit {exitCode}); the S3 tests need node and npm (Debian: apt-get install nodejs npm):\n{output}");

        var start = new ProcessStartInfo("node") { WorkingDirectory = ServiceFolder, RedirectStandardOutput = true, RedirectStandardError = true };
        // Port 0: the server picks a free one and says which.
        foreach (var argument in (string[])["s3rver.js", "-d", _data, "-a", "127.0.0.1", "-p", "0"])
            start.ArgumentList.Add(argument);
        var listening = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        _process = new Process { StartInfo = start, EnableRaisingEvents = true };
        _process.OutputDataReceived += (_, e) => Keep(e.Data, listening);
        _process.ErrorDataReceived += (_, e) => Keep(e.Data, listening);
        _process.Exited += (_, _) => listening.TrySetException(new InvalidOperationException($"s3rver exited at start:\n{string.Join('\n', _output)}"));
        try
        {
            _process.Start();
        }
        catch (Win32Exception e)
        {
            throw new InvalidOperationException("The S3 tests run s3rver with node, which did not start; install nodejs and npm (Debian: apt-get install nodejs npm).", e);
        }
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
        try
        {
            Endpoint = await listening.Task.WaitAsync(StartDeadline);
        }
        catch (TimeoutException e)
        {
            throw new InvalidOperationException($"s3rver did not say where it listens within {StartDeadline}:\n{string.Join('\n', _output)}", e);
        }
        _client = new AmazonS3Client(new BasicAWSCredentials(AccessKey, SecretKey), new AmazonS3Config
        {
            ServiceURL = Endpoint,
            ForcePathStyle = true,
            AuthenticationRegion = "us-east-1",
            RequestChecksumCalculation = RequestChecksumCalculation.WHEN_REQUIRED,
            ResponseChecksumValidation = ResponseChecksumValidation.WHEN_REQUIRED,
        });
    }

    /// <summary>A new, empty bucket.</summary>
    public async Task<string> CreateBucketAsync()
    {
        var name = "blossom-" + Guid.NewGuid().ToString("N")[..12];
        await Client.PutBucketAsync(new PutBucketRequest { BucketName = name });
        return name;
    }

    /// <summary>The server's settings for <paramref name="bucket"/>, as <c>Blossom:Storage:*</c> keys.</summary>
    public Dictionary<string, string?> Settings(string bucket, string prefix = "") => new()
    {
        ["Blossom:Storage:Kind"] = "S3",
        ["Blossom:Storage:S3:Endpoint"] = Endpoint,
        ["Blossom:Storage:S3:Bucket"] = bucket,
        ["Blossom:Storage:S3:AccessKey"] = AccessKey,
        ["Blossom:Storage:S3:SecretKey"] = SecretKey,
        ["Blossom:Storage:S3:Prefix"] = prefix,
    };

    /// <summary>The keys of every object in <paramref name="bucket"/>.</summary>
    public async Task<List<string>> KeysAsync(string bucket)
    {
        var page = await Client.ListObjectsV2Async(new ListObjectsV2Request { BucketName = bucket });
        return [.. (page.S3Objects ?? []).Select(o => o.Key)];
    }

    /// <summary>
    /// The multipart uploads of <paramref name="bucket"/> neither completed nor aborted, with the parts
    /// each has received in full: s3rver lists them to no client, so they are read where its file
    /// store keeps them (a part's MD5 file is written once the part is).
    /// </summary>
    public IReadOnlyList<(string Id, int Parts)> MultipartUploads(string bucket)
    {
        var folder = Path.Combine(_data, bucket, "._S3rver_uploads");
        return Directory.Exists(folder)
            ? [.. Directory.EnumerateDirectories(folder).Select(upload => (new DirectoryInfo(upload).Name, Directory.EnumerateFiles(upload, "*.md5").Count()))]
            : [];
    }

    /// <summary>An object's bytes as the bucket holds them.</summary>
    public async Task<byte[]> ReadAsync(string bucket, string key)
    {
        using var response = await Client.GetObjectAsync(bucket, key);
        using var bytes = new MemoryStream();
        await response.ResponseStream.CopyToAsync(bytes);
        return bytes.ToArray();
    }

    public Task DisposeAsync()
    {
        Dispose();
        return Task.CompletedTask;
    }

    public void Dispose()
    {
        _client?.Dispose();
        _client = null;
        if (_process is { } process)
        {
            if (!process.HasExited)
            {
                process.Kill(entireProcessTree: true);
                process.WaitForExit();
            }
            process.Dispose();
            _process = null;
        }
        if (Directory.Exists(_data))
            Directory.Delete(_data, recursive: true);
    }

    private static async Task<(int ExitCode, string Output)> InstallAsync()
    {
        try
        {
            return await NodeScript.EnsureInstalledAsync(ServiceFolder);
        }
        catch (Win32Exception e)
        {
            throw new InvalidOperationException("The S3 tests install s3rver with npm, which did not start; install nodejs and npm (Debian: apt-get install nodejs npm).", e);
        }
    }

    private void Keep(string? line, TaskCompletionSource<string> listening)
    {
        if (line is null)
            return;
        _output.Enqueue(line);
        while (_output.Count > 200)
            _output.TryDequeue(out _);
        const string marker = "S3rver listening on ";
        if (line.Contains(marker, StringComparison.Ordinal))
            listening.TrySetResult("http://" + line[(line.IndexOf(marker, StringComparison.Ordinal) + marker.Length)..].Trim());
    }
}

/// <summary>The test classes that share one s3rver; xunit runs them one after another.</summary>
[CollectionDefinition(Name)]
public sealed class S3Group : ICollectionFixture<S3Server>
{
    public const string Name = "S3";
}
