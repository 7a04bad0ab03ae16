using System.Runtime.InteropServices;
using System.Security.Cryptography;
using System.Text;
using Blossom.Tests.Infrastructure;

namespace Blossom.Tests.Container;

/// <summary>
/// Stand-ins for the official .NET images, which the tests cannot pull, made on this machine:
/// Debian bookworm from <c>debootstrap</c> with the libraries the official runtime-deps image
/// carries, plus this machine's .NET SDK (the build base) or its runtime without the SDK (the
/// runtime base), each with the official images' non-root user <c>app</c> (1654) and environment.
/// They are tagged with a hash of their recipe and kept, so a later run on this machine reuses them;
/// a machine without them builds them (about two minutes).
/// </summary>
internal static class StandInBaseImages
{
    /// <summary>On the stand-ins and so on every image built from them, to find the build's leftovers by.</summary>
    public const string Label = "blossom.test.stand-in-base";

    private const string Suite = "bookworm";
    private const string Mirror = "http://deb.debian.org/debian";

    // The official runtime-deps image's packages, in bookworm's names.
    private const string Packages = "ca-certificates,libc6,libgcc-s1,libicu72,libssl3,libstdc++6,tzdata,zlib1g";

    // debootstrap writes only the release itself; the runtime stage installs packages with their security updates.
    private const string Sources = """
        deb http://deb.debian.org/debian bookworm main
        deb http://deb.debian.org/debian bookworm-updates main
        deb http://deb.debian.org/debian-security bookworm-security main

        """;

    // As the official images create their user.
    private const string AddUser = "groupadd --gid=1654 app && useradd --no-log-init --uid=1654 --gid=1654 --create-home app";

    // Where the build mounts this machine's .NET, read-only, for the images to copy from.
    private const string DotnetMount = "/mnt/dotnet";

    private const string CaBundle = "/etc/ssl/certs/ca-certificates.crt";

    private static readonly TimeSpan BuildDeadline = TimeSpan.FromMinutes(8);

    /// <summary>Builds the stand-ins this machine does not have yet; returns the build base's name and the runtime base's.</summary>
    public static async Task<(string Sdk, string Runtime)> EnsureAsync()
    {
        var dotnet = DotnetRoot();
        var installed = InstalledDotnet(dotnet);
        var debian = Name("debian", Suite, Mirror, Packages, Sources);
        if (!await Podman.ImageExistsAsync(debian))
            await ImportDebianAsync(debian);

        // The build stage restores from NuGet: with this machine's certificate authorities, which may
        // include a proxy's, and without revocation checks, whose servers a test machine may not reach.
        var sdkFile = $"""
            FROM {debian}
            LABEL {Label}=sdk
            COPY ca-certificates.crt {CaBundle}
            RUN cp -a {DotnetMount} /usr/share/dotnet && ln -s /usr/share/dotnet/dotnet /usr/bin/dotnet \
             && {AddUser}
            ENV APP_UID=1654 ASPNETCORE_HTTP_PORTS=8080 DOTNET_RUNNING_IN_CONTAINER=true \
                DOTNET_NOLOGO=true DOTNET_GENERATE_ASPNET_CERTIFICATE=false NUGET_XMLDOC_MODE=skip \
                NUGET_CERT_REVOCATION_MODE=offline

            """;
        var caBundle = await File.ReadAllBytesAsync(CaBundle);
        var sdk = Name("sdk", sdkFile, installed, Convert.ToHexStringLower(SHA256.HashData(caBundle)));
        if (!await Podman.ImageExistsAsync(sdk))
            await BuildAsync(sdk, sdkFile, dotnet, caBundle);

        // The muxer, hostfxr and the shared frameworks: what the aspnet image holds, no SDK.
        var runtimeFile = $"""
            FROM {debian}
            LABEL {Label}=runtime
            RUN mkdir /usr/share/dotnet \
             && cp -a {DotnetMount}/dotnet {DotnetMount}/host {DotnetMount}/shared /usr/share/dotnet/ \
             && ln -s /usr/share/dotnet/dotnet /usr/bin/dotnet \
             && {AddUser}
            ENV APP_UID=1654 ASPNETCORE_HTTP_PORTS=8080 DOTNET_RUNNING_IN_CONTAINER=true

            """;
        var runtime = Name("aspnet", runtimeFile, installed);
        if (!await Podman.ImageExistsAsync(runtime))
            await BuildAsync(runtime, runtimeFile, dotnet, caBundle: null);

        // Stand-ins of an older recipe (another .NET on this machine, say) would only take space.
        foreach (var current in (string[])[sdk, runtime, debian])
            await RemoveOtherTagsAsync(current);
        return (sdk, runtime);
    }

    /// <summary>debootstrap's minimal bookworm with <see cref="Packages"/> and <see cref="Sources"/>, imported as <paramref name="name"/>.</summary>
    private static async Task ImportDebianAsync(string name)
    {
        var work = Directory.CreateTempSubdirectory("blossom-debootstrap-").FullName;
        try
        {
            var root = Path.Combine(work, "rootfs");
            await ProgramRun.RunCheckedAsync("debootstrap", ["--variant=minbase", "--include=" + Packages, Suite, root, Mirror], BuildDeadline);
            // Downloaded packages and package lists, which the official images do not keep either.
            foreach (var file in Directory.EnumerateFiles(Path.Combine(root, "var/cache/apt/archives"), "*.deb")
                         .Concat(Directory.EnumerateFiles(Path.Combine(root, "var/lib/apt/lists")).Where(f => Path.GetFileName(f) != "lock")))
                File.Delete(file);
            await File.WriteAllTextAsync(Path.Combine(root, "etc/apt/sources.list"), Sources);
            var archive = Path.Combine(work, "rootfs.tar");
            await ProgramRun.RunCheckedAsync("tar", ["--numeric-owner", "-C", root, "-cf", archive, "."], BuildDeadline);
            await Podman.RunAsync(BuildDeadline, "import", archive, name);
        }
        finally
        {
            await DeleteAsync(work);
        }
    }

    /// <summary>Builds <paramref name="containerfile"/> as <paramref name="name"/> with this machine's .NET mounted at <see cref="DotnetMount"/>.</summary>
    private static async Task BuildAsync(string name, string containerfile, string dotnet, byte[]? caBundle)
    {
        var context = Directory.CreateTempSubdirectory("blossom-base-").FullName;
        try
        {
            await File.WriteAllTextAsync(Path.Combine(context, "Containerfile"), containerfile);
            if (caBundle is not null)
                await File.WriteAllBytesAsync(Path.Combine(context, "ca-certificates.crt"), caBundle);
            await Podman.RunAsync(BuildDeadline, ["build", "--layers=false", "--network=host", .. Podman.LimitOptions, "--volume", $"{dotnet}:{DotnetMount}:ro", "--tag", name, context]);
        }
        finally
        {
            Directory.Delete(context, recursive: true);
        }
    }

    private static async Task RemoveOtherTagsAsync(string current)
    {
        var repository = current[..current.LastIndexOf(':')];
        var tags = await Podman.RunAsync("images", "--format", "{{.Repository}}:{{.Tag}}", repository);
        foreach (var stale in tags.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Where(t => t.StartsWith(repository + ":", StringComparison.Ordinal) && t != current))
            await Podman.RunAsync("rmi", stale);
    }

    /// <summary>Deletes <paramref name="folder"/>, first unmounting the /proc and /sys that a debootstrap killed midway leaves mounted inside.</summary>
    private static async Task DeleteAsync(string folder)
    {
        var mounts = File.ReadAllLines("/proc/self/mounts")
            .Select(line => line.Split(' ')[1])
            .Where(point => point.StartsWith(folder + "/", StringComparison.Ordinal))
            .OrderByDescending(point => point.Length);
        foreach (var point in mounts)
            await ProgramRun.RunCheckedAsync("umount", ["--lazy", point], TimeSpan.FromMinutes(1));
        Directory.Delete(folder, recursive: true);
    }

    /// <summary>The folder this test host's .NET runs from (<c>shared/Microsoft.NETCore.App/&lt;version&gt;</c> three levels up).</summary>
    private static string DotnetRoot()
    {
        var root = Path.GetFullPath(Path.Combine(RuntimeEnvironment.GetRuntimeDirectory(), "..", "..", ".."));
        return File.Exists(Path.Combine(root, "dotnet")) && Directory.Exists(Path.Combine(root, "sdk"))
            ? root.TrimEnd('/')
            : throw new InvalidOperationException($"No .NET SDK in {root}, the folder this test host's runtime is in; the stand-in build base copies it.");
    }

    /// <summary>The SDK, host and framework versions under <paramref name="root"/>: a new one makes new stand-ins.</summary>
    private static string InstalledDotnet(string root) =>
        string.Join('\n', ((string[])["sdk", "host/fxr", .. Directory.GetDirectories(Path.Combine(root, "shared")).Select(d => Path.GetRelativePath(root, d))])
            .SelectMany(folder => Directory.GetDirectories(Path.Combine(root, folder)))
            .Select(d => Path.GetRelativePath(root, d))
            .Order(StringComparer.Ordinal));

    private static string Name(string image, params string[] recipe) =>
        $"localhost/blossom-test-{image}:{Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(string.Join('\0', recipe))))[..16]}";
}
